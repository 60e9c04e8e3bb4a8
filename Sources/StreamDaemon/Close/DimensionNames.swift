import Avro
import Foundation
package import Invoicing

/// Display names from the dimension snapshots (`D_Aura_Component`, `D_Aura_App`,
/// `D_Gbl_Country` container files in `dimensions.dir`), plus the OBs' time zones.
/// Unknown ids are invoiced under their raw id.
package struct DimensionNames: Sendable {
    package var names = InvoiceInput.Names()
    /// `TIME_ZONE_ID` by OB code, from `D_Gbl_Country`.
    package var timeZones: [String: String] = [:]

    /// Loads every table present in `directory` (missing tables leave their names empty).
    /// Throws on a damaged file, naming it: a reload then keeps the previous names.
    package static func load(directory: String) throws -> DimensionNames {
        var result = DimensionNames()
        result.names.components = try pairs(
            directory, "D_Aura_Component", key: "AURA_COMPONENT_ID", value: "AURA_COMPONENT_NAME")
        result.names.apps = try pairs(directory, "D_Aura_App", key: "AURA_APP_ID", value: "AURA_APP_NAME")
        result.names.countries = try pairs(directory, "D_Gbl_Country", key: "COUNTRY_3_ALPHA_CD", value: "COUNTRY_NAME")
        result.timeZones = try pairs(directory, "D_Gbl_Country", key: "COUNTRY_3_ALPHA_CD", value: "TIME_ZONE_ID")
        return result
    }

    /// `key → value` over every record of `<directory>/<table>.avro`; empty when the file is absent.
    package static func pairs(_ directory: String, _ table: String, key: String, value: String) throws -> [String:
        String]
    {
        let path = "\(directory)/\(table).avro"
        guard FileManager.default.fileExists(atPath: path) else { return [:] }
        let reader = try AvroContainerReader(path: path)
        let decoder = try AvroRecordDecoder(
            writer: reader.writerSchema, reader: reader.writerSchema, fields: [key, value])
        var values = AvroValues(count: 2)
        var result: [String: String] = [:]
        try reader.forEachRecord(decoder: decoder, values: &values) { record in
            guard let k = record.string(0), let v = record.string(1) else { return }
            result[k] = v
        }
        return result
    }
}
