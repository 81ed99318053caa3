import { totpSwitchHandler } from "../totp-switch";

export const handler = totpSwitchHandler(false, { status: 204 });
