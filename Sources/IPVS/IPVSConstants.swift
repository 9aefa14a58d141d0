import CNetlink
import LVSModel

// The IPVS generic-netlink vocabulary, taken from <linux/ip_vs.h> so that it can never drift
// from the kernel's header, and typed for the pure encoders.

enum IPVSCommand {
    static let newService = UInt8(IPVS_CMD_NEW_SERVICE)
    static let setService = UInt8(IPVS_CMD_SET_SERVICE)
    static let deleteService = UInt8(IPVS_CMD_DEL_SERVICE)
    static let getService = UInt8(IPVS_CMD_GET_SERVICE)
    static let newDestination = UInt8(IPVS_CMD_NEW_DEST)
    static let setDestination = UInt8(IPVS_CMD_SET_DEST)
    static let deleteDestination = UInt8(IPVS_CMD_DEL_DEST)
    static let getDestination = UInt8(IPVS_CMD_GET_DEST)
    static let getInfo = UInt8(IPVS_CMD_GET_INFO)
    static let setConfig = UInt8(IPVS_CMD_SET_CONFIG)
    static let getConfig = UInt8(IPVS_CMD_GET_CONFIG)
    static let flush = UInt8(IPVS_CMD_FLUSH)
    static let newDaemon = UInt8(IPVS_CMD_NEW_DAEMON)
    static let deleteDaemon = UInt8(IPVS_CMD_DEL_DAEMON)
    static let getDaemon = UInt8(IPVS_CMD_GET_DAEMON)
    static let zero = UInt8(IPVS_CMD_ZERO)
    static let version = UInt8(IPVS_GENL_VERSION)
    static let familyName = IPVS_GENL_NAME
}

enum IPVSCommandAttribute {
    static let service = UInt16(IPVS_CMD_ATTR_SERVICE)
    static let destination = UInt16(IPVS_CMD_ATTR_DEST)
    static let daemon = UInt16(IPVS_CMD_ATTR_DAEMON)
    static let timeoutTCP = UInt16(IPVS_CMD_ATTR_TIMEOUT_TCP)
    static let timeoutTCPFin = UInt16(IPVS_CMD_ATTR_TIMEOUT_TCP_FIN)
    static let timeoutUDP = UInt16(IPVS_CMD_ATTR_TIMEOUT_UDP)
    static let max = Int(__IPVS_CMD_ATTR_MAX) - 1
}

enum IPVSServiceAttribute {
    static let addressFamily = UInt16(IPVS_SVC_ATTR_AF)
    static let `protocol` = UInt16(IPVS_SVC_ATTR_PROTOCOL)
    static let address = UInt16(IPVS_SVC_ATTR_ADDR)
    static let port = UInt16(IPVS_SVC_ATTR_PORT)
    static let firewallMark = UInt16(IPVS_SVC_ATTR_FWMARK)
    static let schedulerName = UInt16(IPVS_SVC_ATTR_SCHED_NAME)
    static let flags = UInt16(IPVS_SVC_ATTR_FLAGS)
    static let timeout = UInt16(IPVS_SVC_ATTR_TIMEOUT)
    static let netmask = UInt16(IPVS_SVC_ATTR_NETMASK)
    static let stats = UInt16(IPVS_SVC_ATTR_STATS)
    static let persistenceEngine = UInt16(IPVS_SVC_ATTR_PE_NAME)
    static let stats64 = UInt16(IPVS_SVC_ATTR_STATS64)
    static let max = Int(__IPVS_SVC_ATTR_MAX) - 1
}

enum IPVSDestinationAttribute {
    static let address = UInt16(IPVS_DEST_ATTR_ADDR)
    static let port = UInt16(IPVS_DEST_ATTR_PORT)
    static let forwardingMethod = UInt16(IPVS_DEST_ATTR_FWD_METHOD)
    static let weight = UInt16(IPVS_DEST_ATTR_WEIGHT)
    static let upperThreshold = UInt16(IPVS_DEST_ATTR_U_THRESH)
    static let lowerThreshold = UInt16(IPVS_DEST_ATTR_L_THRESH)
    static let activeConnections = UInt16(IPVS_DEST_ATTR_ACTIVE_CONNS)
    static let inactiveConnections = UInt16(IPVS_DEST_ATTR_INACT_CONNS)
    static let persistentConnections = UInt16(IPVS_DEST_ATTR_PERSIST_CONNS)
    static let stats = UInt16(IPVS_DEST_ATTR_STATS)
    static let addressFamily = UInt16(IPVS_DEST_ATTR_ADDR_FAMILY)
    static let stats64 = UInt16(IPVS_DEST_ATTR_STATS64)
    static let tunnelType = UInt16(IPVS_DEST_ATTR_TUN_TYPE)
    static let tunnelPort = UInt16(IPVS_DEST_ATTR_TUN_PORT)
    static let tunnelFlags = UInt16(IPVS_DEST_ATTR_TUN_FLAGS)
    static let max = Int(__IPVS_DEST_ATTR_MAX) - 1
}

enum IPVSStatsAttribute {
    static let connections = UInt16(IPVS_STATS_ATTR_CONNS)
    static let inPackets = UInt16(IPVS_STATS_ATTR_INPKTS)
    static let outPackets = UInt16(IPVS_STATS_ATTR_OUTPKTS)
    static let inBytes = UInt16(IPVS_STATS_ATTR_INBYTES)
    static let outBytes = UInt16(IPVS_STATS_ATTR_OUTBYTES)
    static let connectionsPerSecond = UInt16(IPVS_STATS_ATTR_CPS)
    static let inPacketsPerSecond = UInt16(IPVS_STATS_ATTR_INPPS)
    static let outPacketsPerSecond = UInt16(IPVS_STATS_ATTR_OUTPPS)
    static let inBytesPerSecond = UInt16(IPVS_STATS_ATTR_INBPS)
    static let outBytesPerSecond = UInt16(IPVS_STATS_ATTR_OUTBPS)
    static let max = Int(__IPVS_STATS_ATTR_MAX) - 1
}

enum IPVSDaemonAttribute {
    static let state = UInt16(IPVS_DAEMON_ATTR_STATE)
    static let interface = UInt16(IPVS_DAEMON_ATTR_MCAST_IFN)
    static let syncID = UInt16(IPVS_DAEMON_ATTR_SYNC_ID)
    static let maximumLength = UInt16(IPVS_DAEMON_ATTR_SYNC_MAXLEN)
    static let group = UInt16(IPVS_DAEMON_ATTR_MCAST_GROUP)
    static let group6 = UInt16(IPVS_DAEMON_ATTR_MCAST_GROUP6)
    static let port = UInt16(IPVS_DAEMON_ATTR_MCAST_PORT)
    static let ttl = UInt16(IPVS_DAEMON_ATTR_MCAST_TTL)
    static let max = Int(__IPVS_DAEMON_ATTR_MAX) - 1
}

enum IPVSDaemonState {
    static let master = UInt32(IP_VS_STATE_MASTER)
    static let backup = UInt32(IP_VS_STATE_BACKUP)

    static func of(_ role: SyncDaemon.Role) -> UInt32 { role == .master ? master : backup }
}

enum IPVSInfoAttribute {
    static let version = UInt16(IPVS_INFO_ATTR_VERSION)
    static let connectionTableSize = UInt16(IPVS_INFO_ATTR_CONN_TAB_SIZE)
    static let max = Int(__IPVS_INFO_ATTR_MAX) - 1
}

enum IPVSForwardingValue {
    static let mask = UInt32(IP_VS_CONN_F_FWD_MASK)
    static let masquerade = UInt32(IP_VS_CONN_F_MASQ)
    static let local = UInt32(IP_VS_CONN_F_LOCALNODE)
    static let tunnel = UInt32(IP_VS_CONN_F_TUNNEL)
    static let directRoute = UInt32(IP_VS_CONN_F_DROUTE)
}

enum IPVSTunnelValue {
    static let ipip = UInt8(IP_VS_CONN_F_TUNNEL_TYPE_IPIP)
    static let gue = UInt8(IP_VS_CONN_F_TUNNEL_TYPE_GUE)
    static let gre = UInt8(IP_VS_CONN_F_TUNNEL_TYPE_GRE)
}

/// Address families and protocol numbers as the kernel numbers them (Linux values).
enum KernelNumber {
    static let inet: UInt16 = 2
    static let inet6: UInt16 = 10
    static let tcp: UInt16 = 6
    static let udp: UInt16 = 17
    static let sctp: UInt16 = 132
}
