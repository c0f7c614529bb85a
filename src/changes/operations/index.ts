import type { AnyChangeOperation } from "../operation";
import { backupOperation } from "./backup";
import { cloneOperation } from "./clone";
import { configureOperation } from "./configure";
import { createOperation } from "./create";
import { deleteOperation } from "./delete";
import { guestCommandOperation } from "./guest-command";
import { migrateOperation } from "./migrate";
import { powerOperation } from "./power";
import { restoreOperation } from "./restore";
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
    cloneOperation,
    migrateOperation,
    createOperation,
    restoreOperation,
  ].map((operation) => [operation.name, operation]),
);
