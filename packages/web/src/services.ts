import { MediaApi } from "./api/client";
import { Announcer } from "./announcer";
import { Session } from "./auth/session";
import { LibraryStore } from "./library/library-store";
import { LiveEvents } from "./live/media-events";
import { settler } from "./upload/settle";
import { UploadQueue } from "./upload/upload-queue";
import { xhrSend } from "./upload/xhr-transport";
import { UsageStore } from "./usage/usage-store";

export type Services = ReturnType<typeof createServices>;

/**
 * The composition root: one API client, one session, and the stores the screens read. The API is
 * same-origin unless the build was given VITE_API_URL (a StaticSite in front of a separate API).
 */
export function createServices(baseUrl: string, options: { maxFileBytes?: number | undefined } = {}) {
  const api = new MediaApi(baseUrl.replace(/\/+$/, ""));
  const session = new Session({
    refresh: (rt) => api.refresh(rt),
    logout: (rt) => api.logout(rt),
    storage: safeSessionStorage(),
  });
  api.useTokens(session);
  const announcer = new Announcer();
  const live = new LiveEvents(api.baseUrl, () => session.accessToken());
  const usage = new UsageStore(() => api.me(), options.maxFileBytes);
  const library = new LibraryStore({ list: (q, signal) => api.list(q, signal), getFile: (id) => api.getFile(id) });
  const uploads = new UploadQueue({
    presign: (input) => api.presign(input),
    send: xhrSend,
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
      void usage.refresh();
      announcer.say(file.status === "ready" ? `${file.fileName} is ready.` : `${file.fileName} was rejected: ${file.rejectionReason ?? "not accepted"}.`, file.status === "ready" ? "info" : "error");
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

function safeSessionStorage(): Storage | undefined {
  try {
    return window.sessionStorage;
  } catch {
    return undefined;
  }
}
