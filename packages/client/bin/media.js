#!/usr/bin/env node
// The sources are TypeScript, run through tsx's loader: one source, no build step in the repository.
import { register } from "tsx/esm/api";

register();
await import("../src/cli/main.ts");
