import { MediaClient } from "@media/client";
import { AppApi } from "./api/app-api";
import { Announcer } from "./announcer";
import { Session } from "./auth/session";
import { LibraryStore } from "./library/library-store";
import { LiveEvents } from "./live/media-events";
import { settler } from "./upload/settle";
import { UnfinishedUploads } from "./upload/unfinished-uploads";
import { UploadQueue } from "./upload/upload-queue";
import { UsageStore } from "./usage/usage-store";

export type Services = ReturnType<typeof createServices>;

/**
 * The composition root: the one API client (@media/client: requests, token renewal, uploads), the
 * session, and the stores the screens read. The API is same-origin unless the build was given
 * VITE_API_URL (a StaticSite in front of a separate API).
 */
export function createServices(baseUrl: string, options: { maxFileBytes?: number | undefined; multipartThreshold?: number | undefined } = {}) {
  const apiUrl = baseUrl.replace(/\/+$/, "");
  const client = new MediaClient({ apiUrl, onSession: (tokens) => session.clientChanged(tokens) });
  const api = new AppApi(client);
  const session: Session = new Session({ transport: client.transport, logout: () => client.logout(), storage: webStorage("sessionStorage") });
  const announcer = new Announcer();
  const live = new LiveEvents(apiUrl, () => session.accessToken());
  const usage = new UsageStore(() => api.me(), options.maxFileBytes);
  const library = new LibraryStore({ list: (q, signal) => api.list(q, signal), getFile: (id) => api.getFile(id) });
  const sendOptions = options.multipartThreshold ? { multipartThreshold: options.multipartThreshold } : {};
  const uploads = new UploadQueue({
    upload: (file, o) => client.upload(file, { ...sendOptions, contentType: o.contentType, signal: o.signal, onAuthorised: o.onAuthorised, onProgress: (p) => o.onProgress(p.loaded, p.total) }),
    resume: (fileId, file, o) => client.resumeUpload(fileId, file, { signal: o.signal, onProgress: (p) => o.onProgress(p.loaded, p.total) }),
    unfinished: new UnfinishedUploads(webStorage("localStorage")),
    settle: settler({ getFile: (id, signal) => api.getFile(id, signal), live }),
    discard: (id) => api.deleteFile(id),
    limits: () => usage.limits(),
    limitsReady: () => usage.ready(),
    usageSequence: () => usage.sequence(),
    onAccepted: (file) => {
      library.upsert(file);
      // Its bytes are reserved now: the meter shows them.
      void usage.refresh();
    },
    onSettled: (file) => {
      library.upsert(file);
      // Told once per batch by the upload list (ui/upload-summary.ts), not once per file.
      void usage.refresh();
    },
    onMaxFileBytes: (bytes) => usage.learnMaxFileBytes(bytes),
  });

  // Changes made elsewhere (another tab, another device) show up here too.
  live.onEvent((event) => {
    if (event.type === "media.deleted") library.remove(event.fileId);
    else void library.refresh(event.fileId).catch(() => undefined);
    void usage.refresh();
  });

  session.subscribe((state) => {
    if (state.status === "signed-in") {
      live.start();
      void usage.refresh();
    } else {
      live.stop();
      uploads.stopAll();
      usage.clear();
    }
  });

  return { api, session, announcer, live, usage, library, uploads };
}

function webStorage(which: "sessionStorage" | "localStorage"): Storage | undefined {
  try {
    return window[which];
  } catch {
    return undefined;
  }
}
