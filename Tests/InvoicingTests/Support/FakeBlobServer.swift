import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A loopback HTTP server (Python `http.server`, started per test) that behaves like the Blob
/// service's Put Blob / Get Blob Properties for what the client uses. It checks headers, Content-MD5
/// and the SAS token or Shared Key signature (recomputed independently in Python), and answers 503
/// to the first `failFirst` PUTs. It exits on its own after 120 s at the latest.
final class FakeBlobServer {
    let process = Process()
    let port: Int
    let logPath: String

    static let script = #"""
        import base64, hashlib, hmac, json, signal, sys, threading, urllib.parse
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        mode, account, key, fail_first, sas, log_path = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], sys.argv[6]
        blobs = {}
        state = {"puts": 0}
        lock = threading.Lock()
        def log(entry):
            with lock, open(log_path, "a") as f:
                f.write(json.dumps(entry) + "\n")
        def string_to_sign(method, path, query, headers):
            h = {k.lower(): v for k, v in headers.items()}
            length = h.get("content-length", "")
            if length == "0": length = ""
            parts = [method, h.get("content-encoding", ""), h.get("content-language", ""), length, h.get("content-md5", ""),
                     h.get("content-type", ""), h.get("date", ""), h.get("if-modified-since", ""), h.get("if-match", ""),
                     h.get("if-none-match", ""), h.get("if-unmodified-since", ""), h.get("range", "")]
            for name in sorted(k for k in h if k.startswith("x-ms-")):
                parts.append(name + ":" + h[name].strip())
            resource = "/" + account + path
            for name in sorted(query):
                resource += "\n" + name.lower() + ":" + ",".join(sorted(query[name]))
            parts.append(resource)
            return "\n".join(parts)
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def log_message(self, *args): pass
            def reply(self, status, headers=None, body=b""):
                self.send_response(status)
                for k, v in (headers or {}).items(): self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD": self.wfile.write(body)
            def authorized(self):
                url = urllib.parse.urlsplit(self.path)
                if mode == "sas":
                    return url.query == sas
                expected = string_to_sign(self.command, url.path, urllib.parse.parse_qs(url.query), dict(self.headers.items()))
                mac = base64.b64encode(hmac.new(base64.b64decode(key), expected.encode(), hashlib.sha256).digest()).decode()
                return self.headers.get("Authorization") == "SharedKey %s:%s" % (account, mac)
            def do_HEAD(self):
                url = urllib.parse.urlsplit(self.path)
                ok = self.authorized()
                log({"method": "HEAD", "path": url.path, "authorized": ok})
                if not ok: return self.reply(403)
                if url.path not in blobs: return self.reply(404)
                self.reply(200, {"Content-MD5": base64.b64encode(hashlib.md5(blobs[url.path]).digest()).decode()})
            def do_PUT(self):
                url = urllib.parse.urlsplit(self.path)
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                problems = []
                if not self.authorized(): problems.append("auth")
                if self.headers.get("x-ms-blob-type") != "BlockBlob": problems.append("blob-type")
                if not self.headers.get("x-ms-version"): problems.append("version")
                if self.headers.get("If-None-Match") != "*": problems.append("if-none-match")
                if self.headers.get("Content-MD5") != base64.b64encode(hashlib.md5(body).digest()).decode(): problems.append("md5")
                with lock:
                    state["puts"] += 1
                    failing = state["puts"] <= fail_first
                log({"method": "PUT", "path": url.path, "problems": problems, "failing": failing, "size": len(body)})
                if problems: return self.reply(403 if "auth" in problems else 400, body=(",".join(problems)).encode())
                if failing: return self.reply(503, body=b"ServerBusy")
                with lock:
                    if url.path in blobs: return self.reply(409, {"x-ms-error-code": "BlobAlreadyExists"})
                    blobs[url.path] = body
                self.reply(201, {"Content-MD5": self.headers.get("Content-MD5")})
        # The test runner's threads may have SIGTERM blocked, and a spawned child inherits that mask.
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Timer(120, server.shutdown).start()
        print(server.server_address[1], flush=True)
        server.serve_forever()
        """#

    /// Starts the server; returns once it listens (it prints its port on stdout).
    init(mode: String, account: String = "devaccount", key: String = "", failFirst: Int = 0, sas: String = "") throws {
        let directory = try TestPaths.temporaryDirectory("blob")
        let scriptPath = try TestPaths.write(Self.script, to: directory, name: "server.py")
        logPath = directory + "/requests.jsonl"
        process.executableURL = URL(fileURLWithPath: Python.executable)
        process.arguments = [scriptPath, mode, account, key.isEmpty ? "AA==" : key, String(failFirst), sas, logPath]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        var line = Data()
        while !line.contains(0x0A) {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }  // EOF: the server died
            line.append(chunk)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        else {
            process.terminate()
            throw Python.Failure(description: "fake blob server did not start")
        }
        self.port = port
    }

    var endpoint: String { "http://127.0.0.1:\(port)" }

    /// The requests the server saw, in order.
    func requests() throws -> [[String: Any]] {
        guard let data = FileManager.default.contents(atPath: logPath) else { return [] }
        return try String(decoding: data, as: UTF8.self).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] ?? [:]
        }
    }

    deinit {
        // SIGKILL: cannot be blocked (a SIGTERM could be, by an inherited signal mask).
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}
