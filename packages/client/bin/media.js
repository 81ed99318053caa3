#!/usr/bin/env node
// The sources are TypeScript, run through tsx's loader: one source, no build step in the repository.
import { register } from "tsx/esm/api";

register();
const { runCli } = await import("../src/cli/main.ts");
const { processIo } = await import("../src/cli/io.ts");
process.exitCode = await runCli(process.argv.slice(2), processIo());
