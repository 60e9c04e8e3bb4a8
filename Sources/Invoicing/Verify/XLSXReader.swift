import Foundation
import ZIPFoundation

/// A minimal reader of the workbooks this module writes: sheet names → cells by reference.
///
/// Understands inline strings, shared strings, numbers and booleans in `<c>` elements; formulas,
/// rich text runs beyond concatenated `<t>` and styles are ignored.
struct XLSXReader {
    /// A cell's raw value.
    enum Value: Hashable, CustomStringConvertible {
        case text(String)
        case number(String)
        case boolean(Bool)

        var description: String {
            switch self {
            case .text(let s), .number(let s): s
            case .boolean(let b): b ? "TRUE" : "FALSE"
            }
        }
    }

    /// Cells of one sheet, keyed by row number then column letters.
    struct Sheet {
        var rows: [Int: [String: Value]] = [:]

        func value(_ column: String, _ row: Int) -> Value? { rows[row]?[column] }
        var lastRow: Int { rows.keys.max() ?? 0 }
    }

    /// Largest workbook part read (64 MiB; the invoices this module writes have parts of a few KiB).
    static let maxPartBytes = 64 << 20

    /// Thrown from the extraction callback when a part passes `maxPartBytes`.
    private struct PartTooLarge: Error {}

    private(set) var sheets: [String: Sheet] = [:]
    private(set) var sheetOrder: [String] = []

    init(path: String) throws(InvoicingError) {
        let archive: Archive
        do {
            archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
        } catch {
            throw InvoicingError(.workbook, "not a zip archive: \(error)", source: path)
        }
        func entry(_ name: String) throws(InvoicingError) -> String {
            guard let entry = archive[name] else {
                throw InvoicingError(.workbook, "missing part \(name)", source: path)
            }
            // Sizes are checked before reading: the declared one against the cap, then every
            // chunk, since a crafted header may understate what the entry inflates to.
            let limit = Self.maxPartBytes
            guard let declared = Int64(exactly: entry.uncompressedSize), declared <= Int64(limit) else {
                throw InvoicingError(
                    .workbook, "part \(name) declares \(entry.uncompressedSize) bytes, more than \(limit)", source: path
                )
            }
            var data = Data()
            data.reserveCapacity(Int(declared))
            do {
                _ = try archive.extract(entry, skipCRC32: false) { chunk in
                    guard data.count + chunk.count <= limit else { throw PartTooLarge() }
                    data.append(chunk)
                }
            } catch is PartTooLarge {
                throw InvoicingError(.workbook, "part \(name) inflates to more than \(limit) bytes", source: path)
            } catch {
                throw InvoicingError(.workbook, "cannot extract \(name): \(error)", source: path)
            }
            guard let text = String(data: data, encoding: .utf8) else {
                throw InvoicingError(.workbook, "part \(name) is not UTF-8", source: path)
            }
            return text
        }
        let workbook = try entry("xl/workbook.xml")
        let relationships = try entry("xl/_rels/workbook.xml.rels")
        var targets: [String: String] = [:]
        for element in Self.elements(named: "Relationship", in: relationships) {
            if let id = Self.attribute("Id", in: element), let target = Self.attribute("Target", in: element) {
                targets[id] = target.hasPrefix("/") ? String(target.dropFirst()) : "xl/" + target
            }
        }
        var shared: [String] = []
        if archive["xl/sharedStrings.xml"] != nil {
            let text = try entry("xl/sharedStrings.xml")
            for item in Self.contents(named: "si", in: text) {
                shared.append(Self.contents(named: "t", in: item).map { XMLEscaping.unescape($0) }.joined())
            }
        }
        for element in Self.elements(named: "sheet", in: workbook) {
            guard let name = Self.attribute("name", in: element).map({ XMLEscaping.unescape($0[...]) }),
                let id = Self.attribute("r:id", in: element), let target = targets[id]
            else {
                throw InvoicingError(.workbook, "sheet entry without name or relationship", source: path)
            }
            let xml = try entry(target)
            sheets[name] = try Self.parseSheet(xml, shared: shared, source: "\(path) [\(name)]")
            sheetOrder.append(name)
        }
    }

    static func parseSheet(_ xml: String, shared: [String], source: String) throws(InvoicingError) -> Sheet {
        var sheet = Sheet()
        var rest = xml[...]
        while let start = rest.range(of: "<c ") {
            let afterTag = rest[start.upperBound...]
            guard let tagEnd = afterTag.firstIndex(of: ">") else { break }
            let attributes = afterTag[..<tagEnd]
            let selfClosing = attributes.hasSuffix("/")
            var content: Substring = ""
            if selfClosing {
                rest = afterTag[afterTag.index(after: tagEnd)...]
            } else {
                let body = afterTag[afterTag.index(after: tagEnd)...]
                guard let close = body.range(of: "</c>") else {
                    throw InvoicingError(.workbook, "unterminated <c> element", source: source)
                }
                content = body[..<close.lowerBound]
                rest = body[close.upperBound...]
            }
            guard let ref = attribute("r", in: attributes) else {
                throw InvoicingError(.workbook, "cell without reference", source: source)
            }
            let column = String(ref.prefix { $0.isLetter })
            guard let row = Int(ref.dropFirst(column.count)) else {
                throw InvoicingError(.workbook, "bad cell reference \(ref)", source: source)
            }
            let type = attribute("t", in: attributes) ?? "n"
            let value: Value?
            switch type {
            case "inlineStr":
                value = .text(contents(named: "t", in: content).map { XMLEscaping.unescape($0) }.joined())
            case "s":
                guard let index = contents(named: "v", in: content).first.flatMap({ Int($0) }),
                    shared.indices.contains(index)
                else {
                    throw InvoicingError(.workbook, "bad shared string index in \(ref)", source: source)
                }
                value = .text(shared[index])
            case "str":
                value = contents(named: "v", in: content).first.map { .text(XMLEscaping.unescape($0)) }
            case "b":
                value = contents(named: "v", in: content).first.map { .boolean($0 == "1") }
            default:
                value = contents(named: "v", in: content).first.map { .number(String($0)) }
            }
            if let value { sheet.rows[row, default: [:]][column] = value }
        }
        return sheet
    }

    /// The opening tags `<name ...>` (attributes part) of every `name` element.
    static func elements(named name: String, in xml: String) -> [Substring] {
        var found: [Substring] = []
        var rest = xml[...]
        while let start = rest.range(of: "<" + name + " ") {
            let after = rest[start.upperBound...]
            guard let end = after.firstIndex(of: ">") else { break }
            found.append(after[..<end])
            rest = after[end...]
        }
        return found
    }

    /// The text content of every `<name>` / `<name attr>` element (no nesting of the same name).
    static func contents(named name: String, in xml: Substring) -> [Substring] {
        var found: [Substring] = []
        var rest = xml
        while let start = rest.range(of: "<" + name) {
            let after = rest[start.upperBound...]
            guard let next = after.first, next == ">" || next == " " else {
                rest = after
                continue
            }
            guard let tagEnd = after.firstIndex(of: ">") else { break }
            if after[..<tagEnd].hasSuffix("/") {
                found.append("")
                rest = after[after.index(after: tagEnd)...]
                continue
            }
            let body = after[after.index(after: tagEnd)...]
            guard let close = body.range(of: "</" + name + ">") else { break }
            found.append(body[..<close.lowerBound])
            rest = body[close.upperBound...]
        }
        return found
    }

    static func contents(named name: String, in xml: String) -> [Substring] {
        contents(named: name, in: xml[...])
    }

    /// The value of attribute `name` in an opening tag's attribute text.
    static func attribute(_ name: String, in tag: Substring) -> String? {
        var rest = tag
        while let range = rest.range(of: name + "=\"") {
            let before = range.lowerBound == rest.startIndex ? " " : rest[rest.index(before: range.lowerBound)]
            let after = rest[range.upperBound...]
            guard let end = after.firstIndex(of: "\"") else { return nil }
            if before == " " || before == "\t" || before == "\n" { return String(after[..<end]) }
            rest = after[end...]
        }
        return nil
    }
}
