export { authorDomain } from './author-domain.js';
export { createKey, sealContext, startRotation, type KeyAdminDeps, type NewKeyRecord } from './dkim-key-admin.js';
export {
  DKIM_ALGORITHMS,
  DKIM_KEY_STATES,
  DkimKeyStoreError,
  type DkimAlgorithm,
  type DkimKeyChange,
  type DkimKeyRecord,
  type DkimKeyState,
  type DkimKeyStore,
  type NewDkimKey,
} from './dkim-key-store.js';
export { defaultSelector, dkimRecordName, dkimRecordValue, generateDkimKey, normalizeDomain } from './dkim-keys.js';
export { DkimKeyring } from './dkim-keyring.js';
export { DKIM_KEYS_SCHEMA } from './dkim-migrations.js';
export { checkPublication, parseTagList, type Publication, type TxtLookup } from './dkim-record.js';
export { rotationSteps, type RotationPolicy, type RotationStep } from './dkim-rotation.js';
export { requireSealer, setUpDkimSigning, type DkimSigningSetup } from './dkim-setup.js';
export { messageAuthorDomain, signMessage, splitMessage, type SigningKey, type SignOptions, type SplitMessage } from './dkim-signer.js';
export { dkimStatus, type DkimDomainStatus, type DkimKeyStatus } from './dkim-status.js';
export { DnsPublicationChecker, type CheckerDeps } from './dns-publication-checker.js';
export { KeySealer, KeySealError, readDkimSecret } from './key-seal.js';
export { openSqliteDkimKeyStore, type SqliteDkimKeyStoreOptions } from './sqlite-dkim-key-store.js';
export { splitTxt, zoneFileStrings } from './txt-record.js';
