/** The credentials room: the only code that talks to AWS. */
export { CredentialBroker, awsFilePaths, type CredentialBrokerOptions, type SourceStatus } from './broker.ts';
export { SourceRegistry, DEFAULT_SOURCE_ID, DEFAULT_CHAIN_ID, type SourceRecord, type SourceRegistryOptions, type StoredSource } from './registry.ts';
export { toAgentJson, formatExpiration, type AgentCredentialsJson } from './format.ts';
export { CredentialError, isCredentialError, type AwsCredentials, type CredentialContext, type CredentialErrorCode, type CredentialErrorJson } from './types.ts';
export { FAKE_ACCOUNT_ID } from './sources/fake.ts';
export type { StsSettings } from './sts.ts';
