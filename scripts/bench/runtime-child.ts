/**
 * The benchmarks' runtime process: exactly what `npm start` runs (packages/local/src/main.ts, which
 * prints READY once everything is up), plus one line naming the local DynamoDB endpoint that the runtime
 * set in its own environment, so the retrieve benchmark can seed records with the repository adapter.
 */
await import("@media/local/main");
process.stdout.write(`ENDPOINTS ${JSON.stringify({ dynamodb: process.env.AWS_ENDPOINT_URL_DYNAMODB, s3: process.env.AWS_ENDPOINT_URL_S3 })}\n`);
export {};
