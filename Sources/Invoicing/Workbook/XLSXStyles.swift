/// `xl/styles.xml`: cellXfs 0 default, 1 bold, 2 integer `#,##0`, 3 amount with the currency's
/// decimals, 4 unit price `0.000000`, 5 title (bold, 16 pt), 6 bold amount (totals) (indices used
/// by ``SheetCell/styleIndex``).
enum XLSXStyles {
    static func amountFormat(decimals: Int) -> String {
        decimals == 0 ? "#,##0" : "#,##0." + String(repeating: "0", count: decimals)
    }

    static func xml(amountDecimals: Int) -> String {
        var xml = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"
        xml += #"<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#
        xml +=
            #"<numFmts count="2"><numFmt numFmtId="164" formatCode="\#(amountFormat(decimals: amountDecimals))"/><numFmt numFmtId="165" formatCode="0.000000"/></numFmts>"#
        xml +=
            #"<fonts count="3"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font><font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font><font><b/><sz val="16"/><name val="Calibri"/><family val="2"/></font></fonts>"#
        xml +=
            #"<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>"#
        xml += #"<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>"#
        xml += #"<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>"#
        xml += #"<cellXfs count="7">"#
        xml += #"<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>"#
        xml += #"<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>"#
        xml += #"<xf numFmtId="3" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>"#
        xml += #"<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>"#
        xml += #"<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>"#
        xml += #"<xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0" applyFont="1"/>"#
        xml += #"<xf numFmtId="164" fontId="1" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" applyFont="1"/>"#
        xml += "</cellXfs>"
        xml += #"<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>"#
        xml += "</styleSheet>"
        return xml
    }
}
