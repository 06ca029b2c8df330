/**
 * The composition root: every domain service, built once per process and alike in the API
 * (app.ts, which adds the HTTP routes) and in a worker process (worker.ts, which runs the job
 * handlers). Each service gets only what it uses; the conversation door (one per process) is
 * what every module that changes a conversation goes through.
 */
import { join } from 'node:path';
import type { Registry } from 'prom-client';
import type { Config } from './config.js';
import type { AppDb } from './db/client.js';
import { createAccessTokenService } from './modules/access-tokens/access-tokens.service.js';
import { createAccountService } from './modules/accounts/accounts.service.js';
import { createAgentService } from './modules/agents/agents.service.js';
import { createClassificationService } from './modules/ai/classification.service.js';
import { classifierMetrics, createClassifier, type Presence } from './modules/ai/classifier.js';
import { createDraftService, draftMetrics } from './modules/ai/draft.service.js';
import { remoteProvider } from './modules/ai/providers/index.js';
import { createTaxonomyService } from './modules/ai/taxonomy.service.js';
import { createAttachmentService } from './modules/attachments/attachments.service.js';
import { createAttachmentUrls } from './modules/attachments/signed-urls.js';
import { createContactService } from './modules/contacts/contacts.service.js';
import { createConversationDoor } from './modules/conversations/changes.js';
import { createConversationService } from './modules/conversations/conversations.service.js';
import { createMessageDeliveries } from './modules/conversations/deliveries.js';
import { DEMO_ARTICLE_VECTORS_FILE } from './modules/demo/article-vectors.js';
import { createDemoService } from './modules/demo/demo.service.js';
import { createConnectionTests } from './modules/email/connection-test.js';
import { createImapFetcher } from './modules/email/imap-fetcher.js';
import { createInboundMail } from './modules/email/inbound-mail.js';
import { createOutboundMail } from './modules/email/outbound-mail.js';
import { createThreadTokens } from './modules/email/thread-token.js';
import { createInboxService } from './modules/inboxes/inboxes.service.js';
import { createEmbeddingIndex } from './modules/knowledge-base/embedding-index.js';
import { createKnowledgeBaseService } from './modules/knowledge-base/knowledge-base.service.js';
import { createKnowledgeSearch, knowledgeSearchMetrics } from './modules/knowledge-base/search.js';
import { createLabelService } from './modules/labels/labels.service.js';
import { createReportService } from './modules/reports/reports.service.js';
import { createTeamService } from './modules/teams/teams.service.js';
import { createCallbackService } from './modules/webhooks/callbacks.service.js';
import { createWebhookOutbox } from './modules/webhooks/outbox.js';
import { createWebhookSender } from './modules/webhooks/sender.js';
import { createWebhookService } from './modules/webhooks/webhooks.service.js';
import { LOCAL_EMBEDDING_MODEL_ID, localEmbeddingModel, openAiEmbeddingModel } from './platform/ai/embedding-models.js';
import { createEmbedder } from './platform/ai/embeddings.js';
import { readPrecomputedVectors, withPrecomputedVectors } from './platform/ai/precomputed-vectors.js';
import { createSecretBox } from './platform/secret-box.js';
import { createDiskStorage } from './platform/storage/disk-storage.js';
import type { JobQueue } from './platform/queue/queue.js';
import type { AccessChanges } from './realtime/access-changes.js';
import type { ContactSockets } from './realtime/contact-sockets.js';
import type { EventBus } from './realtime/event-bus.js';

export interface ServiceDependencies {
  db: AppDb;
  /** Where services announce committed changes; the process's realtime layer delivers them. */
  events: EventBus;
  queue: JobQueue;
  /** Which agents have a socket open (on any replica), for AI triage's assignee suggestion. */
  presence: Presence;
  /** Ended or changed access, for the sockets and feeds to drop (on every replica). */
  accessChanges: Pick<AccessChanges, 'publish'>;
  /** Contacts' sockets to end when their contact or inbox changes (API processes; a worker changes neither). */
  contactSockets?: ContactSockets | undefined;
  config: Pick<
    Config,
    'remoteAi' | 'remoteEmbeddings' | 'draftSimilarityThreshold' | 'exactSearchMaxVectors' | 'dataDir' | 'attachments' | 'outbound' | 'email'
  >;
  /** The app's secret (JWT_SECRET or the generated one): attachment links are signed with a key derived from it. */
  secret: string;
  /** HUMMDESK_ENCRYPTION_KEY or the generated one (platform/kept-secrets.ts): seals e-mail passwords, signs reply addresses. */
  credentialsKey: string;
  metrics: Registry;
  onError: (error: unknown) => void;
}

export function createServices(deps: ServiceDependencies) {
  const { db, events, queue, config } = deps;
  const embedder = createEmbedder();
  const remote = remoteProvider(config);
  const classifier = createClassifier({ db, embedder, presence: deps.presence, remote, metrics: classifierMetrics(deps.metrics) });

  // The local model is always at hand: search stays up on its vectors while hosted ones are built.
  // The demo articles' vectors come from the build, not from the encoder at every fresh start.
  const local = withPrecomputedVectors(localEmbeddingModel(embedder), readPrecomputedVectors(DEMO_ARTICLE_VECTORS_FILE, LOCAL_EMBEDDING_MODEL_ID));
  const configured = config.remoteEmbeddings ? openAiEmbeddingModel(config.remoteEmbeddings) : local;
  const embeddingIndex = createEmbeddingIndex({
    db,
    model: configured,
    models: new Map([local, configured].map((m) => [m.id, m])),
    queue,
    onError: deps.onError,
  });
  const search = createKnowledgeSearch({
    db,
    index: embeddingIndex,
    duration: knowledgeSearchMetrics(deps.metrics),
    exactMaxVectors: config.exactSearchMaxVectors,
  });
  // What happens is written for the webhooks in the transaction that makes it happen.
  const webhookOutbox = createWebhookOutbox({ queue });
  const door = createConversationDoor({ db, events, webhooks: webhookOutbox });
  // Message attachments, and received e-mails until they are read (under `<accountId>/`, like the account's other files).
  const storage = createDiskStorage(join(config.dataDir, 'attachments'));
  const attachments = createAttachmentService({
    db,
    storage,
    urls: createAttachmentUrls(deps.secret),
    limits: config.attachments,
    onError: deps.onError,
  });
  const secretBox = createSecretBox(deps.credentialsKey);
  const threadTokens = createThreadTokens(deps.credentialsKey);
  const conversations = createConversationService({ db, events, queue, door, attachments, webhooks: webhookOutbox });
  // Where replies sent by e-mail stand (queued, sent, failed), told to the agents live.
  const messageDeliveries = createMessageDeliveries({ db, events, queue, attachments });
  const inboundMail = createInboundMail({
    db,
    queue,
    storage,
    config: config.email,
    conversations,
    deliveries: messageDeliveries,
    threadTokens,
    attachmentLimits: config.attachments,
  });
  const imapFetcher = createImapFetcher({ db, queue, inboundMail, secretBox, config: config.email });

  return {
    db,
    embedder,
    embeddingIndex,
    conversations,
    attachments,
    classifications: createClassificationService({ db, events, classifier, queue, door, webhooks: webhookOutbox }),
    taxonomy: createTaxonomyService({ db, queue, events, door }),
    knowledgeBase: createKnowledgeBaseService({ db, index: embeddingIndex, search, queue, configuredModel: configured.id, onError: deps.onError }),
    drafts: createDraftService({
      db,
      events,
      queue,
      search,
      embedder,
      remote,
      conversations,
      webhooks: webhookOutbox,
      metrics: draftMetrics(deps.metrics),
      threshold: config.draftSimilarityThreshold,
    }),
    accounts: createAccountService({ db }),
    accessTokens: createAccessTokenService({ db }),
    agents: createAgentService({ db, accessChanges: deps.accessChanges, door }),
    teams: createTeamService({ db, door }),
    inboxes: createInboxService({
      db,
      attachments,
      policy: config.outbound,
      contactSockets: deps.contactSockets,
      secretBox,
      imapPolls: imapFetcher,
      inboundDomain: config.email.inboundDomain,
    }),
    contacts: createContactService({ db, attachments, contactSockets: deps.contactSockets }),
    labels: createLabelService({ db, door }),
    webhooks: createWebhookService({ db, queue, policy: config.outbound }),
    webhookSender: createWebhookSender({ db, events, policy: config.outbound }),
    callbacks: createCallbackService({ db, queue }),
    reports: createReportService({ db }),
    demo: createDemoService({ db, conversations }),
    secretBox,
    threadTokens,
    messageDeliveries,
    inboundMail,
    outboundMail: createOutboundMail({ db, storage, secretBox, threadTokens, deliveries: messageDeliveries, policy: config.email }),
    imapFetcher,
    connectionTests: createConnectionTests({ db, secretBox, config: config.email }),
  };
}

export type Services = ReturnType<typeof createServices>;
