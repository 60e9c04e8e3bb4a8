import Foundation
import HTTPTransport
import Invoicing

/// POSTs each event's JSON to `events.webhook_url` with
/// - `X-Aura-Signature: sha256=<hex HMAC-SHA256 of the body under the secret>`,
/// - `Idempotency-Key: <OB>-<YYYY-MM>-r<revision>` (also in the body): a receiver drops repeats,
/// - `X-Aura-Event: InvoiceClosed`.
/// Any 2xx is an acknowledgement; anything else (or no answer within `timeout`) is a failure,
/// retried by `InvoiceEventService`. The secret is read once, at start, from
/// `events.webhook_secret_file` and never logged.
struct WebhookEventSink: InvoiceEventSink {
    let url: String
    let secret: [UInt8]
    var client = HTTPClient(connectTimeout: .seconds(5), timeout: .seconds(15), maxResponseBytes: 64 << 10)

    var name: String { "webhook" }

    /// Reads the secret from `secretFile` (surrounding whitespace trimmed); an unreadable or
    /// empty file is a configuration error naming it.
    init(url: String, secretFile: String) throws {
        guard let data = FileManager.default.contents(atPath: secretFile) else {
            throw DaemonError(.configuration, "cannot read events.webhook_secret_file", source: secretFile)
        }
        let secret = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !secret.isEmpty else {
            throw DaemonError(.configuration, "events.webhook_secret_file is empty", source: secretFile)
        }
        self.init(url: url, secret: Array(secret.utf8))
    }

    init(url: String, secret: [UInt8]) {
        self.url = url
        self.secret = secret
    }

    /// `sha256=<hex>` of `body` under `secret`: what a receiver recomputes and compares.
    static func signature(body: some DataProtocol, secret: [UInt8]) -> String {
        "sha256=" + Digest.hmacSHA256Hex(key: secret, data: body)
    }

    func send(_ event: InvoiceClosedEvent, body: Data) throws {
        let response = try client.post(
            url,
            headers: [
                ("Content-Type", "application/json"),
                ("X-Aura-Event", event.eventType),
                ("Idempotency-Key", event.idempotencyKey),
                ("X-Aura-Signature", Self.signature(body: body, secret: secret)),
            ], body: Array(body))
        guard (200..<300).contains(response.status) else {
            throw DaemonError(.event, "webhook answered HTTP \(response.status)", source: url)
        }
    }
}
