// Child of ffmpeg-on-exit.test.ts: starts an encode that would run for an hour (-re: at the input's own
// pace; its output goes to a file, not to the pipe whose closing would stop it anyway), reports ffmpeg's
// PID, then exits as the local runtime does on Ctrl-C, with the encode still under way.
import { execFileSync } from "node:child_process";
import { runFfmpeg } from "../../src/renditions/ffmpeg";

const encode = runFfmpeg({ args: ["-re", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=8000", "-t", "3600", "-f", "null", "/dev/null"], deadline: Date.now() + 600_000 });
encode.catch(() => undefined);
const children = execFileSync("ps", ["-o", "pid=,comm=", "--ppid", String(process.pid)], { encoding: "utf8" }).trim().split("\n");
const ffmpeg = children.map((line) => line.trim().split(/\s+/)).find(([, command]) => command === "ffmpeg")?.[0];
process.send?.({ ffmpeg: Number(ffmpeg) }, () => process.exit(0));
