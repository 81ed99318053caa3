/**
 * A stage's settings set in the environment for one synthesis in a test, as SST's `.env.<stage>` would,
 * and the previous values put back afterwards (the stacks read settings from process.env).
 */
export function setStageEnv(values: Record<string, string>): () => void {
  const saved = Object.fromEntries(Object.keys(values).map((key) => [key, process.env[key]]));
  Object.assign(process.env, values);
  return () => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
}
