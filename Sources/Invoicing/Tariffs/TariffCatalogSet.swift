import Foundation

/// Every catalog under `tariffs.path` (a file or a directory of `.yaml`/`.yml` files), sorted by
/// `effective_from`; the catalog with the latest `effective_from` not after a period applies.
public struct TariffCatalogSet: Sendable {
    /// Sorted by `effectiveFrom`, ascending; effective months are distinct.
    public let catalogs: [TariffCatalog]

    /// A set from already parsed catalogs (sorted here).
    public init(catalogs: [TariffCatalog]) {
        self.catalogs = catalogs.sorted { $0.effectiveFrom < $1.effectiveFrom }
    }

    /// Loads and validates every catalog at `path`; throws `.catalog` listing every problem
    /// (`file:line: message`, one per line) when there is any.
    public init(path: String) throws(InvoicingError) {
        let (catalogs, problems) = Self.load(path: path)
        if !problems.isEmpty {
            throw InvoicingError(.catalog, problems.map(\.description).joined(separator: "\n"), source: path)
        }
        self.init(catalogs: catalogs)
    }

    /// Every problem of the catalogs at `path`; empty when they are valid.
    public static func validate(path: String) -> [CatalogProblem] {
        load(path: path).problems
    }

    /// The catalog that applies to `period` (`YYYY-MM`).
    public func catalog(for period: String) throws(InvoicingError) -> TariffCatalog {
        guard let found = catalogs.last(where: { $0.effectiveFrom <= period }) else {
            let first = catalogs.first?.effectiveFrom ?? "none"
            throw InvoicingError(
                .noTariff, "no tariff catalog is effective in \(period) (earliest effective_from: \(first))")
        }
        return found
    }

    /// The tariff of `ob` in `period`.
    public func tariff(ob: String, period: String) throws(InvoicingError) -> ResolvedTariff {
        try catalog(for: period).tariff(ob: ob)
    }

    static func load(path: String) -> (catalogs: [TariffCatalog], problems: [CatalogProblem]) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return ([], [CatalogProblem(file: path, line: 0, message: "tariff catalog path does not exist")])
        }
        var files: [String] = []
        if isDirectory.boolValue {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
            files = names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
                .map { (path as NSString).appendingPathComponent($0) }
            if files.isEmpty {
                return ([], [CatalogProblem(file: path, line: 0, message: "no .yaml/.yml catalog in the directory")])
            }
        } else {
            files = [path]
        }
        var catalogs: [TariffCatalog] = []
        var problems: [CatalogProblem] = []
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else {
                problems.append(CatalogProblem(file: file, line: 0, message: "cannot read the file"))
                continue
            }
            guard let text = String(data: data, encoding: .utf8) else {
                problems.append(CatalogProblem(file: file, line: 0, message: "the file is not UTF-8 text"))
                continue
            }
            var parser = TariffCatalogParser(file: file)
            if let catalog = parser.parse(yaml: text, sha256: Digest.sha256Hex(data)) {
                catalogs.append(catalog)
            }
            problems += parser.problems.enumerated()
                .sorted { ($0.element.line, $0.offset) < ($1.element.line, $1.offset) }.map(\.element)
        }
        var byMonth: [String: String] = [:]
        for catalog in catalogs {
            if let other = byMonth[catalog.effectiveFrom] {
                problems.append(
                    CatalogProblem(
                        file: catalog.file, line: 0,
                        message:
                            "effective_from \(catalog.effectiveFrom) is also the effective month of \(other); each catalog needs its own month"
                    ))
            }
            byMonth[catalog.effectiveFrom] = catalog.file
        }
        return (catalogs, problems)
    }
}
