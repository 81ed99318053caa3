import { route } from "../http";

export const handler = route(async () => ({ status: 200, body: { status: "ok" } }));
