import Foundation

/// The dimension snapshots the demo's daemon loads (`dimensions.dir`), so its invoices print
/// country, component and app names: `D_Gbl_Country`, `D_Aura_Component` and `D_Aura_App` Avro
/// container files (codec null) with the columns `DimensionNames` reads, from `DemoCatalogue`.
enum DemoDimensions {
    /// Writes the three tables under `directory` (created when missing).
    static func write(into directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let countries = DemoCatalogue.operatingBusinesses.map { [$0.code, $0.name, $0.timeZone] }
        try container(
            table: "D_Gbl_Country", columns: ["COUNTRY_3_ALPHA_CD", "COUNTRY_NAME", "TIME_ZONE_ID"], rows: countries
        ).write(to: URL(fileURLWithPath: directory + "/D_Gbl_Country.avro"))
        try container(
            table: "D_Aura_Component", columns: ["AURA_COMPONENT_ID", "AURA_COMPONENT_NAME"],
            rows: DemoCatalogue.components.map { [$0.id, $0.name] }
        ).write(to: URL(fileURLWithPath: directory + "/D_Aura_Component.avro"))
        try container(
            table: "D_Aura_App", columns: ["AURA_APP_ID", "AURA_APP_NAME"],
            rows: DemoCatalogue.apps.map { [$0.id, $0.name] }
        ).write(to: URL(fileURLWithPath: directory + "/D_Aura_App.avro"))
    }

    /// An Avro object container file (one block, codec null) of records with string `columns`.
    static func container(table: String, columns: [String], rows: [[String]]) -> Data {
        let fields = columns.map { #"{"name":"\#($0)","type":"string"}"# }.joined(separator: ",")
        let schema = #"{"type":"record","name":"\#(table)","fields":[\#(fields)]}"#
        var out: [UInt8] = Array("Obj".utf8) + [1]
        DemoAvroEncoding.appendLong(2, to: &out)
        out += DemoAvroEncoding.string("avro.schema") + DemoAvroEncoding.string(schema)
        out += DemoAvroEncoding.string("avro.codec") + DemoAvroEncoding.string("null")
        DemoAvroEncoding.appendLong(0, to: &out)
        // A fixed sync marker keeps the files byte-identical from run to run.
        let sync = Array("aura-demo-dims-1".utf8)
        out += sync
        var block: [UInt8] = []
        for row in rows { for value in row { block += DemoAvroEncoding.string(value) } }
        DemoAvroEncoding.appendLong(Int64(rows.count), to: &out)
        DemoAvroEncoding.appendLong(Int64(block.count), to: &out)
        out += block + sync
        return Data(out)
    }
}
