import ArgumentParser
import BentoHost
import Foundation

/// `bento stats`: the request counters of live mounts.
struct Stats: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show request counts per operation for each live mount (or one MOUNTPOINT).")

    @Argument(help: "Only this mount point.")
    var mountpoint: String?

    func run() throws {
        let wanted = mountpoint.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        var rows: [[String]] = []
        for path in ControlServer.socketPaths() {
            guard let answer = try? ControlServer.send("stats", to: path) else { continue }
            for line in answer.split(separator: "\n") {
                let fields = line.split(separator: "\t").map(String.init)
                guard fields.count == 3, wanted == nil || fields[0] == wanted else { continue }
                rows.append(fields)
            }
        }
        print(Status.table([["MOUNTPOINT", "COUNTER", "VALUE"]] + rows))
    }
}
