import Foundation
import Synchronization

/// A throwaway OAuth token endpoint for tests: a Python `http.server` on 127.0.0.1 (port chosen
/// by the kernel), started with `Process`.
///
/// `POST /token` checks HTTP Basic auth against the client id and secret it was started with,
/// the form body's `grant_type` and `scope`, and answers a fresh token
/// (`expires_in` from the query, default 3600). Other paths misbehave on purpose:
/// `/fail/<status>` answers that status with an RFC 6749 error body, `/malformed` answers 200
/// with a body that is not JSON, `/no-token` a JSON object without `access_token`. A wrong
/// secret gets 401 with an `error_description` that echoes the presented credentials, as a
/// careless identity provider might. Every request is appended to `requests.jsonl` (before the
/// answer is sent) with what the server saw and the token it issued.
///
/// Bounded: the server exits when its stdin closes (`stop()`, `deinit`, or the test process
/// ended), on SIGTERM, and after 120 s at the latest.
///
/// `@unchecked Sendable`: `process` and `stdin` are touched after `init` only by `stop()`, which
/// runs its body once (guarded by the `stopped` mutex); the other state is immutable.
final class LocalTokenServer: @unchecked Sendable {
    let directory: URL
    let port: Int
    private let process: Process
    private let stdin: Pipe
    private let stopped = Mutex(false)

    static let script = #"""
        import base64, json, os, signal, sys, threading, urllib.parse, uuid
        from http.server import HTTPServer, BaseHTTPRequestHandler

        state_dir, client_id, secret, scope = sys.argv[1:5]
        # The test runner's thread may block signals, and the mask is inherited: unblock the ones
        # that stop this server.
        signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM, signal.SIGALRM, signal.SIGINT])
        signal.alarm(120)
        lock = threading.Lock()

        def watch_stdin():
            sys.stdin.buffer.read()
            os._exit(0)

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def answer(self, status, body, content_type="application/json"):
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                url = urllib.parse.urlsplit(self.path)
                query = urllib.parse.parse_qs(url.query)
                length = int(self.headers.get("Content-Length", "0"))
                form = urllib.parse.parse_qs(self.rfile.read(length).decode(), keep_blank_values=True)
                auth = self.headers.get("Authorization", "")
                user, password = None, None
                if auth.startswith("Basic "):
                    user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
                entry = {
                    "path": url.path,
                    "user": user,
                    "password_ok": password == secret,
                    "content_type": self.headers.get("Content-Type"),
                    "grant_type": form.get("grant_type"),
                    "scope": form.get("scope"),
                }
                status, body = 200, None
                if user != client_id or password != secret:
                    status = 401
                    body = json.dumps({"error": "invalid_client",
                                       "error_description": "bad credentials %s:%s" % (user, password)})
                elif form.get("grant_type") != ["client_credentials"] or form.get("scope") != [scope]:
                    status = 400
                    body = json.dumps({"error": "invalid_request"})
                elif url.path.startswith("/fail/"):
                    status = int(url.path[6:])
                    body = json.dumps({"error": "server_error", "error_description": "told to fail"})
                elif url.path == "/malformed":
                    body = "<html>not json"
                elif url.path == "/no-token":
                    body = json.dumps({"token_type": "Bearer", "expires_in": 3600})
                elif url.path == "/token":
                    token = "eyJhbGciOiJub25lIn0.%s.c2ln" % uuid.uuid4().hex
                    entry["issued"] = token
                    expires = int(query.get("expires_in", ["3600"])[0])
                    body = json.dumps({"access_token": token, "token_type": "Bearer", "expires_in": expires})
                else:
                    status, body = 404, json.dumps({"error": "not_found"})
                entry["status"] = status
                with lock:
                    with open(os.path.join(state_dir, "requests.jsonl"), "a") as f:
                        f.write(json.dumps(entry) + "\n")
                self.answer(status, body)

        server = HTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=watch_stdin, daemon=True).start()
        print(server.server_address[1], flush=True)
        server.serve_forever()
        """#

    /// Starts the server; it accepts `clientID`/`secret` and expects `scope`. Blocking (briefly).
    init(clientID: String, secret: String, scope: String) throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("aura-oauth-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let scriptURL = directory.appendingPathComponent("token_server.py")
        try Self.script.write(to: scriptURL, atomically: true, encoding: .utf8)
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", scriptURL.path, directory.path, clientID, secret, scope]
        let stdout = Pipe()
        stdin = Pipe()
        process.standardOutput = stdout
        process.standardInput = stdin
        try process.run()
        // First line of stdout: the port (EOF first means the script died).
        var line: [UInt8] = []
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = stdout.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(contentsOf: chunk)
        }
        guard let text = String(validating: line, as: UTF8.self),
            let port = Int(text.trimmingCharacters(in: .whitespacesAndNewlines))
        else {
            process.terminate()
            throw CocoaError(
                .fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: "token server did not print its port"])
        }
        self.port = port
    }

    deinit { stop() }

    /// `http://127.0.0.1:port` + `path`.
    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    /// The requests served so far, oldest first.
    func requests() throws -> [[String: Any]] {
        let file = directory.appendingPathComponent("requests.jsonl")
        guard FileManager.default.fileExists(atPath: file.path) else { return [] }
        let text = try String(contentsOf: file, encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] ?? [:]
        }
    }

    /// Writes `contents` to a file in the server's temp directory and returns its path.
    func writeFile(_ name: String, _ contents: String) throws -> String {
        let file = directory.appendingPathComponent(name)
        try contents.write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }

    /// Stops the server and removes its directory.
    func stop() {
        let first = stopped.withLock { wasStopped in
            defer { wasStopped = true }
            return !wasStopped
        }
        guard first else { return }
        // End of stdin makes the server exit even if SIGTERM were blocked.
        try? stdin.fileHandleForWriting.close()
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }
}
