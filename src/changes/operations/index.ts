import type { AnyChangeOperation } from "../operation";
import { backupOperation } from "./backup";
import { configureOperation } from "./configure";
import { deleteOperation } from "./delete";
import { guestCommandOperation } from "./guest-command";
import { powerOperation } from "./power";
import { snapshotOperation } from "./snapshot";

/** Every operation a stored plan can name, by name. */
export const OPERATIONS: ReadonlyMap<string, AnyChangeOperation> = new Map(
  [
    powerOperation,
    snapshotOperation,
    backupOperation,
    guestCommandOperation,
    configureOperation,
    deleteOperation,
  ].map((operation) => [operation.name, operation]),
);
