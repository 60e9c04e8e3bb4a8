import Foundation

/// Runs a program to completion with stdout/stderr in temporary files.
///
/// Files, not pipes: tests run in parallel, and a child spawned concurrently (the fake blob
/// server) may inherit a pipe's write end, which would keep a reader waiting for EOF. Waiting for
/// the process's exit instead is immune to that.
enum Subprocess {
    static func run(_ executable: String, _ arguments: [String]) throws -> Data {
        let directory = try TestPaths.temporaryDirectory("proc")
        let outPath = directory + "/stdout"
        let errPath = directory + "/stderr"
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        defer {
            try? out.close()
            try? err.close()
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = out
        process.standardError = err
        try process.run()
        process.waitUntilExit()
        let output = FileManager.default.contents(atPath: outPath) ?? Data()
        guard process.terminationStatus == 0 else {
            let errors = FileManager.default.contents(atPath: errPath) ?? Data()
            throw Python.Failure(
                description:
                    "\(executable) exited \(process.terminationStatus): \(String(decoding: errors, as: UTF8.self))")
        }
        return output
    }
}
