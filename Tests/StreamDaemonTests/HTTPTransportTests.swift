import HTTPTransport
import Testing

/// `HTTPClient` (the one libcurl client) against a real socket on loopback (`TinyHTTPServer`).
@Suite("HTTP transport")
struct HTTPTransportTests {
    @Test(
        "GET, POST and PUT round-trip their headers and bodies, and the response's status, headers and body come back")
    func roundTrip() throws {
        let server = try TinyHTTPServer(routes: [
            "/thing": .init(
                status: 200, headers: [("X-Answer", " forty-two "), ("Content-Type", "text/plain")],
                body: Array("hello".utf8)),
            "/created": .init(status: 201, body: Array(#"{"ok":true}"#.utf8)),
            "/created?x=1": .init(status: 201, body: Array(#"{"ok":true}"#.utf8)),
            "/broken": .init(status: 503, body: Array("try later".utf8)),
        ])
        defer { server.stop() }
        let client = HTTPClient(timeout: .seconds(10))
        let got = try client.get(server.url("/thing"), headers: [("X-Trace", "abc")])
        let posted = try client.post(
            server.url("/created?x=1"), headers: [("Content-Type", "application/json")],
            body: Array(#"{"a":1}"#.utf8))
        let put = try client.put(server.url("/thing"), body: Array(repeating: 7, count: 100_000))
        let emptyPost = try client.post(server.url("/created"), body: [])
        let failed = try client.get(server.url("/broken"))
        let missing = try client.get(server.url("/nowhere"))

        #expect(got.status == 200)
        #expect(got.body == Array("hello".utf8))
        #expect(got.headers["x-answer"] == "forty-two")
        #expect(got.headers["content-type"] == "text/plain")
        #expect(posted.status == 201 && posted.body == Array(#"{"ok":true}"#.utf8))
        #expect(put.status == 200)
        #expect(emptyPost.status == 201)
        #expect(failed.status == 503 && failed.body == Array("try later".utf8))
        #expect(missing.status == 404)

        let requests = server.received
        #expect(requests.map(\.method) == ["GET", "POST", "PUT", "POST", "GET", "GET"])
        #expect(requests.map(\.path) == ["/thing", "/created?x=1", "/thing", "/created", "/broken", "/nowhere"])
        #expect(requests[0].headers["x-trace"] == "abc")
        #expect(requests[0].body.isEmpty)
        #expect(requests[1].headers["content-type"] == "application/json")
        #expect(requests[1].body == Array(#"{"a":1}"#.utf8))
        #expect(requests[2].headers["content-length"] == "100000")
        #expect(requests[2].body == Array(repeating: 7, count: 100_000))
        #expect(requests[3].headers["content-length"] == "0")
        #expect(requests[3].body.isEmpty)
    }

    @Test("HEAD returns the status and headers without a body")
    func head() throws {
        let server = try TinyHTTPServer(routes: [
            "/blob": .init(headers: [("Content-MD5", "abc==")], body: Array("data".utf8))
        ])
        defer { server.stop() }
        let response = try HTTPClient(timeout: .seconds(10)).head(server.url("/blob"))
        #expect(response.status == 200)
        #expect(response.headers["content-md5"] == "abc==")
        #expect(response.body.isEmpty)
        #expect(server.received.map(\.method) == ["HEAD"])
    }

    @Test("a body over the size cap fails with tooLarge; one at the cap is accepted")
    func sizeCap() throws {
        let server = try TinyHTTPServer(routes: [
            "/big": .init(body: Array(repeating: 1, count: 200_001)),
            "/exact": .init(body: Array(repeating: 2, count: 200_000)),
        ])
        defer { server.stop() }
        let client = HTTPClient(timeout: .seconds(10), maxResponseBytes: 200_000)
        let error = try #require(throws: HTTPTransportError.self) { try client.get(server.url("/big")) }
        #expect(error.code == .tooLarge)
        #expect(error.message.contains("200000"))
        #expect(!error.isRetryable)
        #expect(try client.get(server.url("/exact")).body.count == 200_000)
    }

    @Test("a refused connection is the retryable transport code, naming the URL")
    func connectionRefused() throws {
        let server = try TinyHTTPServer(routes: [String: String]())
        let url = server.url("/gone")
        server.stop()  // nothing listens on the port any more
        let error = try #require(throws: HTTPTransportError.self) { try HTTPClient(timeout: .seconds(5)).get(url) }
        #expect(error.code == .transport)
        #expect(error.isRetryable)
        #expect(error.source == url)
    }

    @Test("an error for a URL with ?sig=secret never contains the secret")
    func redactsQuery() throws {
        let server = try TinyHTTPServer(routes: [
            "/c/blob.xlsx?sv=2021&sig=secret": .init(body: Array(repeating: 0, count: 2_000))
        ])
        let url = server.url("/c/blob.xlsx?sv=2021&sig=secret")
        let tooLarge = try #require(throws: HTTPTransportError.self) {
            try HTTPClient(timeout: .seconds(5), maxResponseBytes: 10).put(url, body: Array("x".utf8))
        }
        server.stop()
        let refused = try #require(throws: HTTPTransportError.self) { try HTTPClient(timeout: .seconds(5)).get(url) }
        for error in [tooLarge, refused] {
            #expect(!error.description.contains("secret"))
            #expect(!error.message.contains("sig="))
            #expect(error.source == server.url("/c/blob.xlsx?[redacted]"))
        }
        #expect(tooLarge.code == .tooLarge && refused.code == .transport)
    }

    @Test("redaction drops the query, the fragment and user information and keeps the rest")
    func redaction() {
        #expect(
            HTTPTransportError.redacting("https://acct.blob.core.windows.net/c/a%20b.json?sv=1&sig=abc")
                == "https://acct.blob.core.windows.net/c/a%20b.json?[redacted]")
        #expect(
            HTTPTransportError.redacting("http://user:pw@registry:8081/schemas/ids/1#x")
                == "http://[redacted]@registry:8081/schemas/ids/1")
        #expect(HTTPTransportError.redacting("http://127.0.0.1:9/token") == "http://127.0.0.1:9/token")
    }

    @Test("a URL that is not http or https is refused without a request")
    func onlyHTTP() throws {
        let error = try #require(throws: HTTPTransportError.self) { try HTTPClient().get("file:///etc/passwd") }
        #expect(error.code == .request)
        #expect(!error.isRetryable)
    }
}
