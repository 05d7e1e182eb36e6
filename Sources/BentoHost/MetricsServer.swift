import BentoSystem
import CoreMetrics
import Foundation
import Logging
import Prometheus
import Synchronization

/// The daemon's metrics for Prometheus (`-o metrics=PORT`): `GET /metrics` on 127.0.0.1:PORT answers the text
/// format, anything else 404. Only the loopback address listens; put a proxy in front to expose it further.
///
/// What it shows, per live mount (label `mountpoint`): `bento_requests_total{op}` (requests received),
/// `bento_request_duration_seconds{op,quantile}` (0.5, 0.99 and 1 = the longest; from `bento stats`' histogram),
/// `bento_outstanding_lookups`, `bento_mount_info{type,version,transport,state}` (1), and the file system's own
/// counters as `bento_fs_<name>`. Values are read at each scrape from the counters the dispatcher keeps anyway, so
/// serving requests costs nothing more; they go out through swift-metrics handles onto a swift-prometheus
/// registry of this server's own (no process-wide bootstrap).
public final class MetricsServer: Sendable {
    private let registry: Registry
    private let prometheus = PrometheusCollectorRegistry()
    private let socket: StreamSocket
    /// Requests counted into `bento_requests_total` so far, by mount and opcode (counters only go up).
    private let reported = Mutex<[String: Int64]>([:])
    private let logger: Logger

    /// The port it listens on.
    public var port: UInt16 { socket.localPort }

    /// Listens on 127.0.0.1:`port` and serves scrapes of `registry`'s live mounts on a background thread.
    public init(registry: Registry, port: UInt16, logger: Logger = Logger(label: "bento.metrics")) throws(HostError) {
        self.registry = registry
        self.logger = logger
        do {
            socket = try StreamSocket.listen(loopbackPort: port)
        } catch {
            throw HostError("cannot serve metrics on 127.0.0.1:\(port): \(error) (is another daemon using the port?)")
        }
        let thread = Thread { [self] in serve() }
        thread.name = "bento-metrics"
        thread.start()
    }

    private func serve() {
        while true {
            guard let client = try? socket.accept() else { return }
            guard let requestLine = Self.readRequest(from: client) else { continue }
            let words = requestLine.split(separator: " ")
            let response: String
            if words.count >= 2, words[0] == "GET", words[1] == "/metrics" || words[1].hasPrefix("/metrics?") {
                let body = scrape()
                response = "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
                    + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body
            } else {
                response = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            }
            do { try client.write(Array(response.utf8)) } catch { logger.debug("metrics client left: \(error)") }
        }
    }

    /// The request line of an HTTP request, once its headers have all arrived (closing with unread bytes would
    /// reset the connection under the answer); nil for a client that sends too much or nothing for two seconds.
    private static func readRequest(from client: StreamSocket) -> String? {
        guard (try? client.setTimeout(.seconds(2))) != nil else { return nil }
        var lines: [String] = []
        while lines.count < 100 {
            guard let bytes = try? client.readLine(limit: 8192) else { return nil }
            let line = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .init(charactersIn: "\r"))
            if line.isEmpty { return lines.first }
            lines.append(line)
        }
        return nil
    }

    /// The text format for every live mount, as of now.
    func scrape() -> String {
        let factory = PrometheusMetricsFactory(registry: prometheus)
        for session in registry.liveMounts {
            let mount = [("mountpoint", session.mountpoint)]
            let dispatcher = session.dispatcher
            for (opcode, count) in dispatcher.requestCounts {
                let key = session.mountpoint + "\t" + opcode.name
                let delta = reported.withLock { seen -> Int64 in
                    let total = Int64(clamping: count)
                    defer { seen[key] = total }
                    return total - (seen[key] ?? 0)
                }
                if delta > 0 {
                    Counter(label: "bento_requests_total", dimensions: mount + [("op", opcode.name)], factory: factory)
                        .increment(by: delta)
                }
            }
            for (opcode, times) in dispatcher.requestLatencies {
                for (quantile, nanoseconds) in [("0.5", times.median), ("0.99", times.p99), ("1", times.longest)] {
                    Gauge(label: "bento_request_duration_seconds",
                          dimensions: mount + [("op", opcode.name), ("quantile", quantile)], factory: factory)
                        .record(Double(nanoseconds) / 1e9)
                }
            }
            Gauge(label: "bento_outstanding_lookups", dimensions: mount, factory: factory)
                .record(Double(dispatcher.outstandingLookups))
            Gauge(label: "bento_mount_info", dimensions: mount + [
                ("type", session.type.name), ("version", session.type.version),
                ("transport", session.transportStatus), ("state", session.stateStatus),
            ], factory: factory).record(1)
            for counter in dispatcher.fileSystemCounters {
                Gauge(label: "bento_fs_" + counter.name, dimensions: mount, factory: factory).record(Double(counter.value))
            }
        }
        var buffer: [UInt8] = []
        prometheus.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }
}
