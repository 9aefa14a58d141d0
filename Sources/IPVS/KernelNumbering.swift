import LVSModel

// How the kernel numbers the model's protocols and forwarding methods.

extension TransportProtocol {
    var kernelNumber: UInt16 {
        switch self {
        case .tcp: return KernelNumber.tcp
        case .udp: return KernelNumber.udp
        case .sctp: return KernelNumber.sctp
        }
    }

    init?(kernelNumber: UInt16) {
        switch kernelNumber {
        case KernelNumber.tcp: self = .tcp
        case KernelNumber.udp: self = .udp
        case KernelNumber.sctp: self = .sctp
        default: return nil
        }
    }
}

extension ForwardingMethod {
    var kernelValue: UInt32 {
        switch self {
        case .masquerade: return IPVSForwardingValue.masquerade
        case .directRoute: return IPVSForwardingValue.directRoute
        case .tunnel: return IPVSForwardingValue.tunnel
        case .local: return IPVSForwardingValue.local
        }
    }

    init?(kernelValue: UInt32) {
        switch kernelValue & IPVSForwardingValue.mask {
        case IPVSForwardingValue.masquerade: self = .masquerade
        case IPVSForwardingValue.directRoute: self = .directRoute
        case IPVSForwardingValue.tunnel: self = .tunnel
        case IPVSForwardingValue.local: self = .local
        default: return nil
        }
    }
}

extension TunnelSettings.Encapsulation {
    var kernelValue: UInt8 {
        switch self {
        case .ipip: return IPVSTunnelValue.ipip
        case .gue: return IPVSTunnelValue.gue
        case .gre: return IPVSTunnelValue.gre
        }
    }

    init?(kernelValue: UInt8) {
        switch kernelValue {
        case IPVSTunnelValue.ipip: self = .ipip
        case IPVSTunnelValue.gue: self = .gue
        case IPVSTunnelValue.gre: self = .gre
        default: return nil
        }
    }
}
