import ArgumentParser
import Invoicing
import StreamDaemon

/// `aura-billing verify`: Recompute an invoice directory's totals from its workbooks and check the manifests.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Recompute an invoice directory's totals from its workbooks and check the manifests.",
        discussion: """
            Reads every manifest*.json and workbook under DIR, recomputes each invoice's totals from \
            its sheets (sum of line amounts + minimum top-up = Total), and checks the manifest's \
            workbook SHA-256, totals and inputs digest. Prints one line per invoice; exits non-zero \
            when any invoice does not check out.
            """
    )

    @Argument(help: "The invoice directory (the daemon's invoices.dir).")
    var directory: String

    func run() async throws {
        let directory = self.directory
        let results = try await Blocking.run { try InvoiceVerifier().verify(directory: directory) }
        var failures = 0
        for result in results {
            print(result.line)
            if !result.ok { failures += 1 }
        }
        print("\(results.count) invoice(s), \(failures) failed")
        fflushStdout()
        if failures > 0 || results.isEmpty {
            if results.isEmpty { print("no invoice found under \(directory)") }
            throw ExitCode(1)
        }
    }
}
