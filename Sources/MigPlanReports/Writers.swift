import Foundation

/// The report as a terminal table, CSV and a self-contained HTML page.
public enum ReportWriter {
    public static func table(_ r: LicenseReport) -> String {
        var lines = ["\(r.cluster): licence cost by scenario"]
        let nameWidth = max(12, (r.scenarios.map(\.name.count).max() ?? 0) + 2)
        var header = "scenario".padding(toLength: nameWidth, withPad: " ", startingAt: 0) + "feasible  hosts  moves"
        for p in r.products { header += "  " + pad("\(p) units", 18) + pad("cost", 14) }
        header += pad("total", 16)
        lines.append(header)
        for s in r.scenarios {
            var row = s.name.padding(toLength: nameWidth, withPad: " ", startingAt: 0)
                + (s.feasible ? "yes" : "NO ").padding(toLength: 10, withPad: " ", startingAt: 0)
                + pad(String(s.hostsUsed), 5) + pad(String(s.moves), 7)
            for p in r.products {
                let c = s.products[p]
                row += "  " + pad(c.map { number($0.units) } ?? "-", 18) + pad(c.map { money($0.cost) } ?? "-", 14)
            }
            row += pad(s.feasible ? money(s.totalCost) : "-", 16)
            lines.append(row)
        }
        for s in r.scenarios {
            for n in s.notes { lines.append("  \(s.name): \(n)") }
            for reason in s.reasons { lines.append("  \(s.name): infeasible: \(reason)") }
        }
        lines.append(r.disclaimer)
        return lines.joined(separator: "\n")
    }

    public static func csv(_ r: LicenseReport) -> String {
        var out = "scenario,feasible,hosts_used,moves,product,metric,scope,units,cost,licensed_hosts\n"
        for s in r.scenarios {
            for p in r.products {
                guard let c = s.products[p] else { continue }
                out += [s.name, s.feasible ? "true" : "false", String(s.hostsUsed), String(s.moves), p, c.metric, c.scope,
                        number(c.units), number(c.cost), c.hosts.joined(separator: " ")].map(csvField).joined(separator: ",") + "\n"
            }
            if s.products.isEmpty {
                out += [s.name, s.feasible ? "true" : "false", String(s.hostsUsed), String(s.moves), "", "", "", "", "", ""]
                    .map(csvField).joined(separator: ",") + "\n"
            }
        }
        return out
    }

    /// One page, no network: inline CSS, one SVG bar chart per product (cost by scenario), one
    /// of the totals, a map of licensed hosts per scenario, and the moves each scenario needs.
    /// Written as XHTML so any XML parser reads it.
    public static func html(_ r: LicenseReport) -> String {
        var h = """
            <!DOCTYPE html>
            <html xmlns="http://www.w3.org/1999/xhtml" lang="en">
            <head>
            <meta charset="utf-8"/>
            <title>\(esc(r.cluster)): licence report</title>
            <style>
            body { font-family: system-ui, sans-serif; margin: 2em; color: #222; max-width: 70em; }
            h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; }
            table { border-collapse: collapse; margin: 1em 0; }
            th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: right; }
            th:first-child, td:first-child { text-align: left; }
            .charts { display: flex; flex-wrap: wrap; gap: 2em; }
            .chart figcaption { font-weight: 600; margin-bottom: 0.3em; }
            .disclaimer { margin-top: 2em; padding: 0.8em; background: #fff6e0; border: 1px solid #e0c070; }
            .lic { background: #dfeefd; } .no { color: #b00; }
            </style>
            </head>
            <body>
            <h1>\(esc(r.cluster)): what-if licence cost</h1>
            <p>\(r.scenarios.count) scenario\(r.scenarios.count == 1 ? "" : "s"), each computed by a run of the migplan optimizer.</p>
            <table>
            <thead><tr><th>scenario</th><th>feasible</th><th>hosts used</th><th>moves</th>
            """
        for p in r.products { h += "<th>\(esc(p)) units</th><th>\(esc(p)) cost</th>" }
        h += "<th>total cost</th></tr></thead>\n<tbody>\n"
        for s in r.scenarios {
            h += "<tr><td>\(esc(s.name))</td><td\(s.feasible ? "" : " class=\"no\"")>\(s.feasible ? "yes" : "no")</td><td>\(s.hostsUsed)</td><td>\(s.moves)</td>"
            for p in r.products {
                let c = s.products[p]
                h += "<td>\(c.map { number($0.units) } ?? "–")</td><td>\(c.map { money($0.cost) } ?? "–")</td>"
            }
            h += "<td>\(s.feasible ? money(s.totalCost) : "–")</td></tr>\n"
        }
        h += "</tbody>\n</table>\n<h2>Cost per scenario</h2>\n<div class=\"charts\">\n"
        for p in r.products {
            h += chart(title: p, values: r.scenarios.map { ($0.name, $0.products[p]?.cost ?? 0) }, kind: "product")
        }
        h += chart(title: "total", values: r.scenarios.map { ($0.name, $0.feasible ? $0.totalCost : 0) }, kind: "total")
        h += "</div>\n<h2>Licensed hosts</h2>\n<table>\n<thead><tr><th>host</th>"
        for s in r.scenarios { h += "<th>\(esc(s.name))</th>" }
        h += "</tr></thead>\n<tbody>\n"
        var hostNames: [String] = []
        for s in r.scenarios { for c in s.products.values { for n in c.hosts where !hostNames.contains(n) { hostNames.append(n) } } }
        for host in hostNames.sorted() {
            h += "<tr><td>\(esc(host))</td>"
            for s in r.scenarios {
                let on = r.products.filter { s.products[$0]?.hosts.contains(host) == true }
                h += "<td\(on.isEmpty ? "" : " class=\"lic\"")>\(esc(on.joined(separator: ", ")))</td>"
            }
            h += "</tr>\n"
        }
        h += "</tbody>\n</table>\n<h2>Moves</h2>\n"
        for s in r.scenarios {
            h += "<h3>\(esc(s.name)): \(s.moves) move\(s.moves == 1 ? "" : "s")</h3>\n"
            for n in s.notes + s.reasons { h += "<p>\(esc(n))</p>\n" }
            guard !s.moveList.isEmpty else { continue }
            h += "<table>\n<thead><tr><th>VM</th><th>from</th><th>to</th><th>wave</th><th>reason</th><th>MiB</th></tr></thead>\n<tbody>\n"
            for m in s.moveList {
                h += "<tr><td>\(esc(m.vm))</td><td>\(esc(m.from))</td><td>\(esc(m.to))</td><td>\(m.wave)</td><td>\(m.reason.rawValue)</td><td>\(number(m.megabytes.rounded()))</td></tr>\n"
            }
            h += "</tbody>\n</table>\n"
        }
        h += "<p class=\"disclaimer\">\(esc(r.disclaimer))</p>\n</body>\n</html>\n"
        return h
    }

    static func chart(title: String, values: [(String, Double)], kind: String) -> String {
        let width = 420.0, barHeight = 22.0, labelWidth = 150.0
        let height = Double(values.count) * (barHeight + 6) + 10
        let top = max(values.map(\.1).max() ?? 0, 1)
        var svg = "<figure class=\"chart \(kind)\" data-chart=\"\(esc(title))\"><figcaption>\(esc(title))</figcaption>\n"
        svg += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width + labelWidth + 90))\" height=\"\(Int(height))\" role=\"img\" aria-label=\"\(esc(title)) cost by scenario\">\n"
        for (i, (name, value)) in values.enumerated() {
            let y = 5 + Double(i) * (barHeight + 6)
            let w = max(1, width * value / top)
            svg += "<text x=\"0\" y=\"\(y + 15)\" font-size=\"12\">\(esc(name))</text>"
            svg += "<rect x=\"\(labelWidth)\" y=\"\(y)\" width=\"\(String(format: "%.1f", w))\" height=\"\(barHeight)\" fill=\"#4a7fc1\"/>"
            svg += "<text x=\"\(String(format: "%.1f", labelWidth + w + 5))\" y=\"\(y + 15)\" font-size=\"12\">\(esc(money(value)))</text>\n"
        }
        svg += "</svg></figure>\n"
        return svg
    }

    static func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s + " " : String(repeating: " ", count: n - s.count) + s }
    static func number(_ x: Double) -> String { x == x.rounded() ? String(Int64(x)) : String(format: "%.2f", x) }
    static func money(_ x: Double) -> String {
        let whole = Int64(x.rounded())
        let digits = String(abs(whole))
        var out = ""
        for (i, c) in digits.reversed().enumerated() {
            if i > 0 && i % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (whole < 0 ? "-" : "") + String(out.reversed())
    }
    static func esc(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
    static func csvField(_ s: String) -> String {
        s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}
