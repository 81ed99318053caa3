/**
 * The work's value, or "timeout" once `ms` passed first. Like an integration past API Gateway's timeout,
 * the work goes on (a Lambda runs to its own timeout); its late result or failure is dropped.
 */
export async function within<T>(work: Promise<T>, ms: number): Promise<{ value: T } | "timeout"> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), ms);
  });
  try {
    return await Promise.race([work.then((value) => ({ value })), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
