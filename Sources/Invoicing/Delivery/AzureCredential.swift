/// How requests to Azure Blob Storage are authorized.
public enum AzureCredential: Sendable, Hashable {
    /// A SAS token (the query string, with or without a leading `?`).
    case sas(String)
    /// Shared Key: the storage account name and its base64 access key.
    case sharedKey(account: String, key: String)
}
