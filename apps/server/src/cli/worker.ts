// npm run worker: a process that only runs background jobs (needs REDIS_URL).
process.env.HUMMDESK_ROLE = 'worker';
await import('../main.js');
