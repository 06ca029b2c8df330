import { sql } from 'drizzle-orm';
import { queryRows, type Tx } from '../../db/client.js';

/** Reserves the id of an account about to be created, so its rows can be written under it. */
export async function nextAccountId(tx: Tx): Promise<number> {
  const [row] = await queryRows<{ id: string }>(tx, sql`select nextval(pg_get_serial_sequence('accounts', 'id')) as id`);
  return Number(row!.id);
}
