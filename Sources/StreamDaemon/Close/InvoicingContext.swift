package import Aggregation
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

    /// Re-reads catalogs and dimensions and adds the OBs whose time zone they now name to
    /// `zones` (the daemon's shared table; see `OBTimeZones.adopt`); returns the OBs added. All or
    /// nothing: on any problem (an invalid file, an OB that would change zone) keeps the old
    /// catalogs, dimensions and zones, and rethrows.
    @discardableResult
    package func reload(zones: OBTimeZones? = nil) throws -> [String] {
        let fresh = try Self.load(tariffsPath: tariffsPath, dimensionsDir: dimensionsDir)
        let added = try zones.map { try $0.adopt(fresh.timeZones().identifiers) } ?? []
        current.withLock { $0 = fresh }
        return added
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
