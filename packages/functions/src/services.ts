import type { DynamoMediaMaintenance } from "./adapters/dynamo-media-repository";
import { accountServices } from "./roots/account";
import { accountDataServices, type AccountDataServices } from "./roots/account-data";
import { accountExportServices, type AccountExportServices } from "./roots/account-export";
import { authServices, type AuthServices } from "./roots/auth";
import { indexingServices, type IndexingServices } from "./roots/indexing";
import { libraryServices, type LibraryServices } from "./roots/library";
import { maintenance } from "./roots/maintenance";

export { useClock } from "./clock";

/**
 * Every family's services in one object, for tests and scripts that reach across families. No handler
 * imports this: each imports its family's root under roots/ (auth, library, account, account-data,
 * account-export, authorizer, indexing, maintenance), so its bundle holds only the AWS clients that family uses;
 * stacks/bundles.test.ts fails a function whose bundle outgrows its budget or holds a client it must not.
 * A new handler belongs on the root of its family (or a new one), not here.
 */
export interface Services extends AuthServices, LibraryServices {
  /** All the indexer needs but its media inspector, which only the indexer loads (see indexer-services.ts). */
  indexing: IndexingServices;
  /** The sweep of expired uploads (sweep.ts). */
  maintenance: DynamoMediaMaintenance;
  /** DELETE /me (account-deletion.ts). */
  deletion: AccountDataServices["deletion"];
  /** GET /me/export (account-export.ts). */
  exports: AccountExportServices["exports"];
}

let cached: Services | undefined;

export function services(): Services {
  cached ??= {
    ...authServices(),
    ...libraryServices(),
    indexing: indexingServices(),
    maintenance: maintenance(),
    deletion: accountDataServices().deletion,
    exports: accountExportServices().exports,
  };
  return cached;
}

/** `GET /me`'s services, for the same tests and scripts. */
export { accountServices };
