import Foundation
import Testing

@testable import Invoicing

@Suite("Delivery")
struct DeliveryTests {
    static let key = Data("aura-billing-test-key-0123456789".utf8).base64EncodedString()

    func closedSample() throws -> ClosedInvoice {
        let (catalogs, _) = try TestCatalogs.load()
        return try InvoiceWriter(invoicesDirectory: try TestPaths.temporaryDirectory("deliver"), catalogs: catalogs)
            .write(SampleInvoice.input(), closedAt: SampleInvoice.closedAt)
    }

    @Test("Shared Key string to sign is canonical: fixed lines, sorted x-ms headers, resource with sorted query")
    func canonicalization() {
        let text = AzureSharedKey.stringToSign(
            method: "put", path: "/container/ESP/2026-10/a%20b.xlsx", query: [("Timeout", "30"), ("comp", "block")],
            headers: [
                ("x-ms-version", "2021-08-06"), ("Content-Type", "application/json"), ("Content-Length", "0"),
                ("X-MS-Date", "Wed, 25 Nov 2026 17:00:00 GMT"), ("If-None-Match", "*"),
                ("x-ms-blob-type", " BlockBlob "),
            ],
            account: "acct")
        let expected = [
            "PUT", "", "", "", "", "application/json", "", "", "", "*", "", "",
            "x-ms-blob-type:BlockBlob", "x-ms-date:Wed, 25 Nov 2026 17:00:00 GMT", "x-ms-version:2021-08-06",
            "/acct/container/ESP/2026-10/a%20b.xlsx\ncomp:block\ntimeout:30",
        ]
        #expect(text == expected.joined(separator: "\n"))
    }

    @Test("Shared Key string to sign matches the example of Azure's \"Authorize with Shared Key\" page")
    func documentedExample() {
        // GET https://myaccount.blob.core.windows.net/mycontainer?restype=container&comp=metadata&timeout=20
        let text = AzureSharedKey.stringToSign(
            method: "GET", path: "/mycontainer",
            query: [("restype", "container"), ("comp", "metadata"), ("timeout", "20")],
            headers: [("x-ms-date", "Fri, 26 Jun 2015 23:39:12 GMT"), ("x-ms-version", "2015-02-21")],
            account: "myaccount")
        #expect(
            text == "GET\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:Fri, 26 Jun 2015 23:39:12 GMT\nx-ms-version:2015-02-21\n"
                + "/myaccount/mycontainer\ncomp:metadata\nrestype:container\ntimeout:20")
    }

    @Test("Shared Key signature matches an independent HMAC (Python hmac)")
    func signatureMatchesOpenSSL() throws {
        let signer = try AzureSharedKey(account: "acct", base64Key: Self.key)
        let message = "PUT\n\n\n12\n\ntext/plain\n\n\n\n*\n\n\nx-ms-version:2021-08-06\n/acct/c/b"
        let script =
            "import base64,hmac,hashlib,sys; print(base64.b64encode(hmac.new(base64.b64decode(sys.argv[1]), sys.argv[2].encode(), hashlib.sha256).digest()).decode())"
        let expected = String(decoding: try Python.run(script, arguments: [Self.key, message]), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(signer.signature(message) == expected)
    }

    @Test("Shared Key PUT to a loopback server, retrying 503s, then idempotent re-delivery")
    func sharedKeyWithRetries() throws {
        let server = try FakeBlobServer(mode: "sharedkey", account: "devaccount", key: Self.key, failFirst: 2)
        let closed = try closedSample()
        let azure = AzureBlobDelivery(
            endpoint: server.endpoint, container: "invoices", prefix: "aura/",
            credential: .sharedKey(account: "devaccount", key: Self.key),
            maxAttempts: 4, initialBackoffMilliseconds: 1, timeoutMilliseconds: 10_000)
        let outcomes = try InvoiceDelivery.azureBlob(azure).deliver(closed)
        #expect(
            outcomes == [
                .delivered(server.endpoint + "/invoices/aura/ESP/2026-10/aura-invoice-ESP-2026-10.xlsx"),
                .delivered(server.endpoint + "/invoices/aura/ESP/2026-10/manifest.json"),
            ])
        let again = try InvoiceDelivery.azureBlob(azure).deliver(closed)
        #expect(again.allSatisfy { if case .alreadyPresent = $0 { true } else { false } })
        let puts = try server.requests().filter { $0["method"] as? String == "PUT" }
        #expect(puts.count == 2 + 2 + 2)  // two 503s, two uploads, two 409s
        #expect(puts.allSatisfy { ($0["problems"] as? [String])?.isEmpty == true })
        #expect(puts.filter { $0["failing"] as? Bool == true }.count == 2)
    }

    @Test("a different existing blob is an error, never overwritten")
    func refusesOverwrite() throws {
        let server = try FakeBlobServer(mode: "sas", sas: "sv=2021-08-06&sig=abc%2B")
        let azure = AzureBlobDelivery(
            endpoint: server.endpoint, container: "c", credential: .sas("?sv=2021-08-06&sig=abc%2B"),
            maxAttempts: 2, initialBackoffMilliseconds: 1, timeoutMilliseconds: 10_000)
        #expect(
            try azure.put(name: "x.json", data: Data("one".utf8), contentType: "application/json")
                == .delivered(server.endpoint + "/c/x.json"))
        #expect(throws: InvoicingError.self) {
            try azure.put(name: "x.json", data: Data("two".utf8), contentType: "application/json")
        }
    }

    @Test("bounded retries: a server that keeps failing gives an error after maxAttempts")
    func boundedRetries() throws {
        let server = try FakeBlobServer(mode: "sas", failFirst: 100, sas: "sig=x")
        let azure = AzureBlobDelivery(
            endpoint: server.endpoint, container: "c", credential: .sas("sig=x"),
            maxAttempts: 3, initialBackoffMilliseconds: 1, timeoutMilliseconds: 10_000)
        #expect(throws: InvoicingError.self) {
            try azure.put(name: "y.json", data: Data("y".utf8), contentType: "application/json")
        }
        #expect(try server.requests().count == 3)
    }

    @Test("local directory delivery is idempotent and never overwrites")
    func localDirectory() throws {
        let closed = try closedSample()
        let target = try TestPaths.temporaryDirectory("local")
        let delivery = InvoiceDelivery.localDirectory(LocalDirectoryDelivery(directory: target))
        let first = try delivery.deliver(closed)
        #expect(
            first == [
                .delivered(target + "/ESP/2026-10/aura-invoice-ESP-2026-10.xlsx"),
                .delivered(target + "/ESP/2026-10/manifest.json"),
            ])
        #expect(
            FileManager.default.contents(atPath: target + "/ESP/2026-10/manifest.json")
                == FileManager.default.contents(atPath: closed.manifestPath))
        let second = try delivery.deliver(closed)
        #expect(second.allSatisfy { if case .alreadyPresent = $0 { true } else { false } })
        try Data("changed".utf8).write(to: URL(fileURLWithPath: target + "/ESP/2026-10/manifest.json"))
        #expect(throws: InvoicingError.self) { try delivery.deliver(closed) }
    }

    @Test("Azure delivery errors name the endpoint without user information or the SAS token")
    func errorsRedactURLs() throws {
        let sas = "sv=2021-08-06&sig=TOPSECRET"
        let server = try FakeBlobServer(mode: "sas", sas: sas)
        let withUser = "http://operator:hunter2@127.0.0.1:\(server.port)"
        func failure(_ endpoint: String, _ credential: AzureCredential) throws -> InvoicingError {
            let azure = AzureBlobDelivery(
                endpoint: endpoint, container: "c", credential: credential,
                maxAttempts: 2, initialBackoffMilliseconds: 1, timeoutMilliseconds: 10_000)
            return try #require(throws: InvoicingError.self) {
                try azure.put(name: "x.json", data: Data("x".utf8), contentType: "application/json")
            }
        }
        // A refused SAS (HTTP 403): the blob's location, without the user's password.
        let refused = try failure(withUser, .sas("sig=wrong"))
        #expect(refused.source == "http://[redacted]@127.0.0.1:\(server.port)/c/x.json")
        // Nothing listens on port 1: retried, then the endpoint, without the user's password.
        let unreachable = try failure("http://operator:hunter2@127.0.0.1:1", .sas(sas))
        #expect(unreachable.source == "http://[redacted]@127.0.0.1:1")
        // TLS to a plain HTTP server fails without a retry: the URL without its SAS query.
        let tls = try failure("https://127.0.0.1:\(server.port)", .sas(sas))
        #expect(tls.source == "https://127.0.0.1:\(server.port)/c/x.json?[redacted]")
        for error in [refused, unreachable, tls] {
            #expect(!error.description.contains("TOPSECRET") && !error.description.contains("hunter2"), "\(error)")
        }
    }
}
