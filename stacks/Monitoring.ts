import { Annotations, Duration } from "aws-cdk-lib";
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  type Metric,
  PeriodOverride,
  TextWidget,
  TreatMissingData,
} from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import { PolicyStatement, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { Topic } from "aws-cdk-lib/aws-sns";
import { EmailSubscription } from "aws-cdk-lib/aws-sns-subscriptions";
import { use, type Function, type StackContext } from "sst/constructs";
import { Api } from "./Api";
import { Indexer } from "./Indexer";
import type { BytesMetric, CountMetric, SecondsMetric } from "@media/core/metric-names";
import { METRICS_NAMESPACE } from "./lambda";
import { Renditions } from "./Renditions";
import { stageSettings } from "./settings";
import { QUEUE_VISIBILITY_SECONDS, Storage } from "./Storage";

/** The namespace of the functions' own EMF metrics (Powertools Metrics), as the functions are told it. */
export const CUSTOM_NAMESPACE = METRICS_NAMESPACE;
/** The custom metrics the dashboard sums (counts and bytes; core/metric-names.ts says which is which). */
export const CUSTOM_METRICS = {
  UploadsPresigned: "Sum",
  FilesIndexed: "Sum",
  FilesRejected: "Sum",
  BytesStored: "Sum",
  RenditionsMade: "Sum",
  RenditionsFailed: "Sum",
  RenditionBytes: "Sum",
} as const satisfies Record<CountMetric | BytesMetric, "Sum">;
/** Seconds from the S3 event to the record being ready: a distribution, so percentiles. */
export const INDEX_LATENCY_METRIC: SecondsMetric = "IndexLatency";
/** Seconds to make one file's renditions: a distribution too. */
export const RENDITION_SECONDS_METRIC: SecondsMetric = "RenditionSeconds";

/**
 * The thresholds, with why. Exported for the tests and the runbook (docs/operations.md) to agree with.
 * - The oldest index-queue message: a message whose indexing failed once comes back after the visibility
 *   timeout (365 s), so ages up to about six minutes are an ordinary retry; ten minutes means repeated
 *   failures or nothing consuming the queue.
 * - API 5xx: more than 5 % of the requests in five minutes, once there are at least 10 of them (a single
 *   failure among three requests at night is a log to read, not a page).
 * - API 4xx: half of all requests for 15 minutes, at least 50 per 5 minutes. Some 4xx are normal (expired
 *   tokens, a refused type); half is throttling (429 at the stage's rate limit) or a broken client.
 */
export const THRESHOLDS = {
  queueOldestMessageSeconds: 600,
  api5xxPercent: 5,
  api5xxMinRequests: 10,
  api4xxPercent: 50,
  api4xxMinRequests: 50,
} as const;

if (THRESHOLDS.queueOldestMessageSeconds <= QUEUE_VISIBILITY_SECONDS) {
  // A threshold below one retry's wait would page on every transient failure.
  throw new Error("stacks/Monitoring.ts: the queue-age threshold must exceed the queue's visibility timeout");
}

const FIVE_MINUTES = Duration.minutes(5);
const ONE_MINUTE = Duration.minutes(1);

/**
 * Alarms into an alerts topic (emailed to ALERTS_EMAIL when set), and one dashboard with the main
 * figures. Every alarm notifies both when it fires and when it clears, so an email thread tells the
 * whole story.
 */
export function Monitoring({ stack, app }: StackContext) {
  const settings = stageSettings(app.stage);
  const storage = use(Storage);
  const { api, authorizer, functions } = use(Api);
  const { indexer, sweep } = use(Indexer);
  const { renditions, renditionQueue, renditionDeadLetters } = use(Renditions);
  const httpApi = api.cdk.httpApi;
  const indexQueue = storage.queue.cdk.queue;

  const alerts = new Topic(stack, "Alerts", {
    displayName: `${app.name} ${app.stage} alerts`,
    enforceSSL: true,
  });
  // Once a topic has a policy of its own (enforceSSL makes one), CloudWatch must be allowed explicitly:
  // only this account's alarms may publish.
  alerts.addToResourcePolicy(
    new PolicyStatement({
      principals: [new ServicePrincipal("cloudwatch.amazonaws.com")],
      actions: ["sns:Publish"],
      resources: [alerts.topicArn],
      conditions: {
        ArnLike: { "aws:SourceArn": `arn:${stack.partition}:cloudwatch:${stack.region}:${stack.account}:alarm:*` },
        StringEquals: { "aws:SourceAccount": stack.account },
      },
    }),
  );
  if (settings.alertsEmail) {
    alerts.addSubscription(new EmailSubscription(settings.alertsEmail));
  } else {
    Annotations.of(stack).addWarningV2(
      "media-storage:no-alerts-email",
      "ALERTS_EMAIL is not set: the alarms publish to the alerts topic, but nobody is subscribed to it.",
    );
  }
  const action = new SnsAction(alerts);

  const alarm = (id: string, props: { name: string; description: string; metric: IMetric; threshold: number; comparison: ComparisonOperator; evaluationPeriods?: number; datapointsToAlarm?: number; missing: TreatMissingData }) => {
    const created = new Alarm(stack, id, {
      alarmName: app.logicalPrefixedName(props.name),
      alarmDescription: `${props.description} Runbook: docs/operations.md#${props.name}`,
      metric: props.metric,
      threshold: props.threshold,
      comparisonOperator: props.comparison,
      evaluationPeriods: props.evaluationPeriods ?? 1,
      datapointsToAlarm: props.datapointsToAlarm ?? props.evaluationPeriods ?? 1,
      treatMissingData: props.missing,
    });
    created.addAlarmAction(action);
    created.addOkAction(action);
    return created;
  };

  const apiRate = (errors: Metric, minRequests: number) =>
    new MathExpression({
      // No traffic, or too little to mean anything, is 0 %, not a division by zero (missing data).
      expression: `IF(requests >= ${minRequests}, 100 * errors / requests, 0)`,
      usingMetrics: { errors, requests: httpApi.metricCount({ period: FIVE_MINUTES, statistic: "Sum" }) },
      period: FIVE_MINUTES,
    });

  const alarms = [
    alarm("DeadLettersNotEmpty", {
      name: "dlq-not-empty",
      description:
        "Uploads the indexer failed on five times are waiting in the dead-letter queue: those files stay pending. " +
        "Find why in the indexer's logs, fix, then `npm run redrive`.",
      metric: storage.deadLetters.metricApproximateNumberOfMessagesVisible({ period: ONE_MINUTE, statistic: "Maximum" }),
      threshold: 0,
      comparison: ComparisonOperator.GREATER_THAN_THRESHOLD,
      // An empty queue nobody touches stops reporting after six hours: that is "empty", not unknown.
      missing: TreatMissingData.NOT_BREACHING,
    }),
    alarm("IndexQueueOldMessage", {
      name: "index-queue-stalled",
      description:
        `The oldest upload event in the index queue has waited over ${THRESHOLDS.queueOldestMessageSeconds / 60} minutes: ` +
        "uploads are not being indexed (indexer failing, throttled, or not consuming).",
      metric: indexQueue.metricApproximateAgeOfOldestMessage({ period: ONE_MINUTE, statistic: "Maximum" }),
      threshold: THRESHOLDS.queueOldestMessageSeconds,
      comparison: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 2,
      missing: TreatMissingData.NOT_BREACHING,
    }),
    alarm("IndexerErrors", {
      name: "indexer-errors",
      description:
        "The indexer failed whole invocations (crash, timeout, out of memory): every message of those batches goes back to the queue. " +
        "Single bad files do not count here; they are reported per message and end in the dead-letter queue.",
      metric: indexer.metricErrors({ period: FIVE_MINUTES, statistic: "Sum" }),
      threshold: 1,
      comparison: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      missing: TreatMissingData.NOT_BREACHING,
    }),
    // Renditions never hold a file back from ready, so they page less urgently but still page: users
    // meanwhile stream originals and see no waveform.
    alarm("RenditionDeadLettersNotEmpty", {
      name: "rendition-dlq-not-empty",
      description:
        "Rendition requests failed three times and wait in the renditions' dead-letter queue: those files stay ready but play their originals. " +
        "Find why in the renditions function's logs, fix, then move them back: `npm run redrive -- --renditions --outputs .sst/outputs.json` (docs/operations.md).",
      metric: renditionDeadLetters.metricApproximateNumberOfMessagesVisible({ period: ONE_MINUTE, statistic: "Maximum" }),
      threshold: 0,
      comparison: ComparisonOperator.GREATER_THAN_THRESHOLD,
      missing: TreatMissingData.NOT_BREACHING,
    }),
    alarm("RenditionErrors", {
      name: "rendition-errors",
      description:
        "The renditions function failed whole invocations (crash, timeout, out of memory or disk): their messages are retried. " +
        "Files the encoders refuse (corrupt, silent, too long) are recorded on the file and do not count.",
      metric: renditions.metricErrors({ period: FIVE_MINUTES, statistic: "Sum" }),
      threshold: 1,
      comparison: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      missing: TreatMissingData.NOT_BREACHING,
    }),
    alarm("AuthorizerErrors", {
      name: "authorizer-errors",
      description:
        "The API's Lambda authorizer failed (crash, timeout, bad configuration): signed-in requests get 500s instead of answers. " +
        "Refused tokens are not errors and do not count.",
      metric: authorizer.metricErrors({ period: FIVE_MINUTES, statistic: "Sum" }),
      threshold: 1,
      comparison: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      missing: TreatMissingData.NOT_BREACHING,
    }),
    alarm("Api5xxRate", {
      name: "api-5xx-rate",
      description:
        `More than ${THRESHOLDS.api5xxPercent}% of API requests answered 5xx in five minutes (at least ${THRESHOLDS.api5xxMinRequests} requests): ` +
        "a handler failing, a dependency down, or route functions throttled.",
      metric: apiRate(httpApi.metricServerError({ period: FIVE_MINUTES, statistic: "Sum" }), THRESHOLDS.api5xxMinRequests),
      threshold: THRESHOLDS.api5xxPercent,
      comparison: ComparisonOperator.GREATER_THAN_THRESHOLD,
      missing: TreatMissingData.NOT_BREACHING,
    }),
    alarm("Api4xxRate", {
      name: "api-4xx-rate",
      description:
        `More than ${THRESHOLDS.api4xxPercent}% of API requests answered 4xx for 15 minutes (at least ${THRESHOLDS.api4xxMinRequests} per 5 minutes): ` +
        "clients throttled by the API's rate limit (429), a broken client release, or someone probing.",
      metric: apiRate(httpApi.metricClientError({ period: FIVE_MINUTES, statistic: "Sum" }), THRESHOLDS.api4xxMinRequests),
      threshold: THRESHOLDS.api4xxPercent,
      comparison: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      missing: TreatMissingData.NOT_BREACHING,
    }),
    // Throttles of the two functions everything waits on. A throttled route function makes API Gateway
    // answer 5xx, which the 5xx-rate alarm catches; a CloudWatch alarm takes at most ten metrics, too few
    // for one per route function, and the dashboard shows all of them.
    alarm("IndexerThrottled", {
      name: "indexer-throttled",
      description: "Lambda throttled the indexer (account concurrency exhausted): uploads wait in the queue and are retried.",
      metric: indexer.metricThrottles({ period: FIVE_MINUTES, statistic: "Sum" }),
      threshold: 1,
      comparison: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      missing: TreatMissingData.NOT_BREACHING,
    }),
    alarm("AuthorizerThrottled", {
      name: "authorizer-throttled",
      description: "Lambda throttled the API's authorizer (account concurrency exhausted): signed-in requests fail.",
      metric: authorizer.metricThrottles({ period: FIVE_MINUTES, statistic: "Sum" }),
      threshold: 1,
      comparison: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      missing: TreatMissingData.NOT_BREACHING,
    }),
  ];

  const allFunctions: [string, Function][] = [["indexer", indexer], ["renditions", renditions], ["sweep", sweep], ["authorizer", authorizer], ...[...functions].map(([module, fn]): [string, Function] => [module.replace(/^api\//, ""), fn])];
  const perFunction = (metric: (fn: Function) => Metric) => allFunctions.map(([label, fn]) => metric(fn).with({ label }));
  const custom = (name: string, statistic: string, label = name) =>
    // The functions emit with dimensions service and stage (stacks/lambda.ts): the search keeps to this
    // stage, so stages sharing an account and region do not mix, whatever other dimensions appear later.
    new MathExpression({ expression: `SEARCH('Namespace="${CUSTOM_NAMESPACE}" MetricName="${name}" stage="${app.stage}"', '${statistic}', 300)`, usingMetrics: {}, label, period: FIVE_MINUTES });

  const dashboard = new Dashboard(stack, "Dashboard", {
    dashboardName: `${app.stage}-${app.name}`,
    defaultInterval: Duration.hours(3),
    periodOverride: PeriodOverride.AUTO,
  });
  const wide = { width: 12, height: 6 } as const;
  dashboard.addWidgets(
    new TextWidget({ markdown: `# ${app.name} · ${app.stage}\nWhat each alarm means and what to run: docs/operations.md`, width: 24, height: 2 }),
    new AlarmStatusWidget({ title: "Alarms", alarms, width: 24, height: 3 }),
  );
  dashboard.addWidgets(
    new GraphWidget({
      title: "API requests and errors (per 5 min)",
      left: [
        httpApi.metricCount({ period: FIVE_MINUTES, statistic: "Sum", label: "requests" }),
        httpApi.metricClientError({ period: FIVE_MINUTES, statistic: "Sum", label: "4xx" }),
        httpApi.metricServerError({ period: FIVE_MINUTES, statistic: "Sum", label: "5xx" }),
      ],
      ...wide,
    }),
    new GraphWidget({
      title: "API latency (ms)",
      left: [
        httpApi.metricLatency({ period: FIVE_MINUTES, statistic: "p50", label: "latency p50" }),
        httpApi.metricLatency({ period: FIVE_MINUTES, statistic: "p99", label: "latency p99" }),
        httpApi.metricIntegrationLatency({ period: FIVE_MINUTES, statistic: "p99", label: "integration p99" }),
      ],
      ...wide,
    }),
  );
  dashboard.addWidgets(
    new GraphWidget({ title: "Lambda errors", left: perFunction((fn) => fn.metricErrors({ period: FIVE_MINUTES, statistic: "Sum" })), stacked: true, width: 8, height: 6 }),
    new GraphWidget({ title: "Lambda duration p99 (ms)", left: perFunction((fn) => fn.metricDuration({ period: FIVE_MINUTES, statistic: "p99" })), width: 8, height: 6 }),
    new GraphWidget({ title: "Lambda throttles", left: perFunction((fn) => fn.metricThrottles({ period: FIVE_MINUTES, statistic: "Sum" })), stacked: true, width: 8, height: 6 }),
  );
  dashboard.addWidgets(
    new GraphWidget({
      title: "Index queue depth",
      left: [
        indexQueue.metricApproximateNumberOfMessagesVisible({ period: ONE_MINUTE, statistic: "Maximum", label: "waiting" }),
        indexQueue.metricApproximateNumberOfMessagesNotVisible({ period: ONE_MINUTE, statistic: "Maximum", label: "being indexed" }),
      ],
      width: 8,
      height: 6,
    }),
    new GraphWidget({
      title: "Oldest index-queue message (s)",
      left: [indexQueue.metricApproximateAgeOfOldestMessage({ period: ONE_MINUTE, statistic: "Maximum", label: "age of oldest" })],
      leftAnnotations: [{ value: THRESHOLDS.queueOldestMessageSeconds, label: "alarm" }],
      width: 8,
      height: 6,
    }),
    new GraphWidget({
      title: "Dead-letter queues, renditions waiting",
      left: [
        storage.deadLetters.metricApproximateNumberOfMessagesVisible({ period: ONE_MINUTE, statistic: "Maximum", label: "dead letters" }),
        renditionDeadLetters.metricApproximateNumberOfMessagesVisible({ period: ONE_MINUTE, statistic: "Maximum", label: "rendition dead letters" }),
        renditionQueue.cdk.queue.metricApproximateNumberOfMessagesVisible({ period: ONE_MINUTE, statistic: "Maximum", label: "renditions waiting" }),
      ],
      width: 8,
      height: 6,
    }),
  );
  dashboard.addWidgets(
    new GraphWidget({
      title: "Uploads presigned, files indexed and rejected",
      left: (["UploadsPresigned", "FilesIndexed", "FilesRejected"] as const).map((name) => custom(name, CUSTOM_METRICS[name])),
      width: 8,
      height: 6,
    }),
    new GraphWidget({ title: "Bytes stored (per 5 min)", left: [custom("BytesStored", CUSTOM_METRICS.BytesStored)], width: 8, height: 6 }),
    new GraphWidget({
      title: "Upload to ready (s)",
      left: [custom(INDEX_LATENCY_METRIC, "p50", "p50"), custom(INDEX_LATENCY_METRIC, "p99", "p99")],
      width: 8,
      height: 6,
    }),
  );

  dashboard.addWidgets(
    new GraphWidget({
      title: "Renditions made and failed",
      left: (["RenditionsMade", "RenditionsFailed"] as const).map((name) => custom(name, CUSTOM_METRICS[name])),
      width: 8,
      height: 6,
    }),
    new GraphWidget({ title: "Rendition bytes stored (per 5 min)", left: [custom("RenditionBytes", CUSTOM_METRICS.RenditionBytes)], width: 8, height: 6 }),
    new GraphWidget({
      title: "Time to make a file's renditions (s)",
      left: [custom(RENDITION_SECONDS_METRIC, "p50", "p50"), custom(RENDITION_SECONDS_METRIC, "p99", "p99")],
      width: 8,
      height: 6,
    }),
  );

  stack.addOutputs({
    AlertsTopicArn: alerts.topicArn,
    AlertsEmail: settings.alertsEmail ?? "none: set ALERTS_EMAIL and deploy again to be emailed",
    DashboardName: dashboard.dashboardName,
  });
  return { alerts, alarms, dashboard };
}
