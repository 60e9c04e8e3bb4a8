import ArgumentParser

/// `aura-billing verify`: Recompute an invoice directory's totals from its workbooks and check the manifests.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Recompute an invoice directory's totals from its workbooks and check the manifests."
    )

    func run() async throws {
        throw DaemonError(.notImplemented, "`aura-billing verify` is not implemented yet")
    }
}
