package import Aggregation
import Invoicing

extension InvoicingContext.Snapshot {
    /// OB time zones for billing months: `base`, overridden by `D_Gbl_Country.TIME_ZONE_ID`,
    /// overridden by the catalogs' `time_zone` (later `effective_from` wins) — the daemon's rule.
    package func timeZones(base: [String: String] = OBTimeZones.datagenZones) throws -> OBTimeZones {
        var zones = base
        for (ob, zone) in dimensions.timeZones { zones[ob] = zone }
        if let catalogs {
            for catalog in catalogs.catalogs.sorted(by: { $0.effectiveFrom < $1.effectiveFrom }) {
                for (ob, tariff) in catalog.obs { if let zone = tariff.timeZone { zones[ob] = zone } }
            }
        }
        return try OBTimeZones(zones)
    }
}
