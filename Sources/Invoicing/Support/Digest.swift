import Crypto
package import Foundation

/// SHA-256 / MD5 helpers producing the encodings used in manifests and HTTP headers.
package enum Digest {
    /// Lower-case hex SHA-256.
    package static func sha256Hex(_ data: some DataProtocol) -> String {
        SHA256.hash(data: data).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// Lower-case hex HMAC-SHA256 of `data` under `key` (the `X-Aura-Signature` of invoice events).
    package static func hmacSHA256Hex(key: some DataProtocol, data: some DataProtocol) -> String {
        HMAC<SHA256>.authenticationCode(for: data, using: SymmetricKey(data: Array(key))).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// Base64 of the MD5 digest (HTTP `Content-MD5`).
    package static func md5Base64(_ data: some DataProtocol) -> String {
        Data(Insecure.MD5.hash(data: data)).base64EncodedString()
    }
}
