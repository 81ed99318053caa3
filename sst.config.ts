import type { SSTConfig } from "sst";
import { Api } from "./stacks/Api";
import { Auth } from "./stacks/Auth";
import { Indexer } from "./stacks/Indexer";
import { FUNCTION_DEFAULTS } from "./stacks/lambda";
import { Monitoring } from "./stacks/Monitoring";
import { Renditions } from "./stacks/Renditions";
import { PROD_STAGE } from "./stacks/settings";
import { Storage } from "./stacks/Storage";
import { Web, WebHosting } from "./stacks/Web";

export default {
  config(input) {
    return {
      name: "media-storage",
      region: input.region ?? "us-east-1",
    };
  },
  stacks(app) {
    // Every stage but prod is disposable: `sst remove` takes its data with it (the bucket is emptied
    // first). Prod keeps its table, bucket and user pool (see stacks/settings.ts).
    if (app.stage !== PROD_STAGE) app.setDefaultRemovalPolicy("destroy");
    app.setDefaultFunctionProps(FUNCTION_DEFAULTS);
    // WebHosting comes first: the bucket's and the API's CORS rules name its origin, and the site itself
    // (Web) is built last, against the API's URL (see stacks/Web.ts).
    app.stack(WebHosting).stack(Auth).stack(Storage).stack(Api).stack(Indexer).stack(Renditions).stack(Web).stack(Monitoring);
  },
} satisfies SSTConfig;
