import PoolCore

/// `ipvs:` — settings of the director's IPVS as a whole, not of one service.
public struct IPVSConfiguration: Hashable, Sendable, Decodable {
    /// `ipvs.timeouts`: the connection timeouts pglvsd sets and keeps; empty: the kernel's stay.
    public var timeouts: TimeoutSettings

    enum CodingKeys: String, CodingKey, CaseIterable {
        case timeouts
    }

    public init(timeouts: TimeoutSettings = TimeoutSettings()) {
        self.timeouts = timeouts
    }

    public init(from decoder: any Decoder) throws {
        let fields = try FieldReader(decoder, CodingKeys.self)
        timeouts = (fields.optional(.timeouts) as TimeoutsField?)?.settings ?? TimeoutSettings()
    }
}

/// `ipvs.timeouts: {tcp: 15m, tcp_fin: 2m, udp: 5m}`: durations in whole seconds, as the
/// kernel keeps them.
struct TimeoutsField: Decodable {
    var settings: TimeoutSettings

    enum CodingKeys: String, CodingKey, CaseIterable {
        case tcp
        case tcpFin = "tcp_fin"
        case udp
    }

    /// 0 would mean "leave as is" to the kernel: leave the key out for that. The upper bound is
    /// the duration type's (under a day), far beyond any keepalive.
    static let minimumSeconds = 1

    init(from decoder: any Decoder) throws {
        let fields = try FieldReader(decoder, CodingKeys.self)
        func seconds(_ key: CodingKeys) -> UInt32? {
            guard let duration: ConfigDuration = fields.optional(key) else { return nil }
            guard duration.milliseconds % 1000 == 0, duration.milliseconds >= TimeoutsField.minimumSeconds * 1000 else {
                fields.problem(key, "must be whole seconds, at least \(TimeoutsField.minimumSeconds)s and under 24h, got \(duration)")
                return nil
            }
            return UInt32(duration.milliseconds / 1000)
        }
        settings = TimeoutSettings(tcp: seconds(.tcp), tcpFin: seconds(.tcpFin), udp: seconds(.udp))
    }
}
