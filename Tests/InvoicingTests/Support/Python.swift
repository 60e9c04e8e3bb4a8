import Foundation

/// Runs the system Python (Debian's, which has python3-openpyxl) on a script with arguments.
enum Python {
    static var executable: String {
        for candidate in ["/usr/bin/python3", "/bin/python3"]
        where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        return "/usr/bin/env"
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs `script` (written to a temporary file) and returns its stdout; throws on a non-zero exit.
    static func run(_ script: String, arguments: [String]) throws -> Data {
        let directory = try TestPaths.temporaryDirectory("py")
        let scriptPath = try TestPaths.write(script, to: directory, name: "script.py")
        return try Subprocess.run(
            executable, (executable == "/usr/bin/env" ? ["python3"] : []) + [scriptPath] + arguments)
    }

    /// Every cell of every sheet of an xlsx, read by openpyxl: sheet → rows → cell strings
    /// (numbers as exact decimal text, booleans TRUE/FALSE, blank as ""), plus freeze panes and
    /// number formats of numeric cells.
    struct Workbook: Decodable {
        var sheets: [String]
        var cells: [String: [[String]]]
        var freeze: [String: String?]
        var formats: [String: [String: String]]
        var widths: [String: [String: Double]]
        /// Print setup per sheet: orientation, paperSize, fitToWidth, fitToHeight, fitToPage,
        /// printTitleRows, footer (openpyxl's view of it).
        var print: [String: [String: String]]
    }

    static func readWorkbook(_ path: String) throws -> Workbook {
        let script = #"""
            import json, sys
            from decimal import Decimal
            import openpyxl
            wb = openpyxl.load_workbook(sys.argv[1])
            def text(v):
                if v is None: return ""
                if isinstance(v, bool): return "TRUE" if v else "FALSE"
                if isinstance(v, int): return str(v)
                if isinstance(v, float): return format(Decimal(repr(v)).normalize(), "f")
                return str(v)
            out = {"sheets": wb.sheetnames, "cells": {}, "freeze": {}, "formats": {}, "widths": {}, "print": {}}
            for ws in wb.worksheets:
                out["cells"][ws.title] = [[text(c.value) for c in row] for row in ws.iter_rows()]
                out["freeze"][ws.title] = ws.freeze_panes
                out["formats"][ws.title] = {c.coordinate: c.number_format for row in ws.iter_rows() for c in row
                                            if isinstance(c.value, (int, float)) and not isinstance(c.value, bool)}
                out["widths"][ws.title] = {k: d.width for k, d in ws.column_dimensions.items()}
                ps = ws.page_setup
                out["print"][ws.title] = {
                    "orientation": str(ps.orientation), "paperSize": str(ps.paperSize),
                    "fitToWidth": str(ps.fitToWidth), "fitToHeight": str(ps.fitToHeight),
                    "fitToPage": str(ws.sheet_properties.pageSetUpPr.fitToPage),
                    "printTitleRows": str(ws.print_title_rows), "footer": str(ws.oddFooter.center.text)}
            print(json.dumps(out))
            """#
        let data = try run(script, arguments: [path])
        return try JSONDecoder().decode(Workbook.self, from: data)
    }
}
