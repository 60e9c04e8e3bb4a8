package import Foundation
package import Invoicing
import Logging
import Synchronization

/// The tariff catalogs and dimension names invoices are priced and labelled with, swapped as a
/// whole on SIGHUP: a reload that fails validation keeps the previous ones.
package final class InvoicingContext: Sendable {
    package struct Snapshot: Sendable {
        package var catalogs: TariffCatalogSet?
        package var dimensions: DimensionNames
        package var loadedAt: Date
    }

    package let tariffsPath: String?
    package let dimensionsDir: String?
    private let current: Mutex<Snapshot>

    /// Loads both; throws (naming the file) when either is invalid.
    package init(tariffsPath: String?, dimensionsDir: String?) throws {
        self.tariffsPath = tariffsPath
        self.dimensionsDir = dimensionsDir
        current = Mutex(try Self.load(tariffsPath: tariffsPath, dimensionsDir: dimensionsDir))
    }

    package var snapshot: Snapshot { current.withLock { $0 } }

    /// Re-reads catalogs and dimensions; on any problem keeps the old ones and rethrows.
    package func reload() throws {
        let fresh = try Self.load(tariffsPath: tariffsPath, dimensionsDir: dimensionsDir)
        current.withLock { $0 = fresh }
    }

    package static func load(tariffsPath: String?, dimensionsDir: String?) throws -> Snapshot {
        var catalogs: TariffCatalogSet?
        if let tariffsPath {
            let problems = TariffCatalogSet.validate(path: tariffsPath)
            if !problems.isEmpty {
                throw DaemonError(.configuration, problems.map { "\($0)" }.joined(separator: "; "), source: tariffsPath)
            }
            catalogs = try TariffCatalogSet(path: tariffsPath)
        }
        let dimensions = try dimensionsDir.map { try DimensionNames.load(directory: $0) } ?? DimensionNames()
        return Snapshot(catalogs: catalogs, dimensions: dimensions, loadedAt: Date())
    }
}
