import Foundation
import Metrics
import NIOConcurrencyHelpers
import Prometheus
import Vapor

/// Prometheus metrics. swift-metrics is process-wide, so the registry is bootstrapped once per process;
/// Vapor reports `http_requests_total`, `http_request_duration_seconds` and errors through it.
enum Metrics {
    private static let state = NIOLockedValueBox<PrometheusCollectorRegistry?>(nil)

    static func bootstrapOnce() {
        state.withLockedValue { registry in
            guard registry == nil else { return }
            let r = PrometheusCollectorRegistry()
            MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: r))
            registry = r
        }
    }

    static func render() -> Response {
        var buffer: [UInt8] = []
        state.withLockedValue { $0?.emit(into: &buffer) }
        var headers = HTTPHeaders()
        headers.add(name: .contentType, value: "text/plain; version=0.0.4; charset=utf-8")
        return Response(status: .ok, headers: headers, body: .init(data: Data(buffer)))
    }
}
