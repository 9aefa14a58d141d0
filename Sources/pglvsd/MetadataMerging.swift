import Logging

/// What pglvsd's two log handlers share: handler metadata, provided metadata and the entry's
/// own, merged in that order (later wins).
protocol MetadataMerging: LogHandler {
    var metadata: Logger.Metadata { get set }
}

extension MetadataMerging {
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Every key of the entry, sorted by name.
    func mergedMetadata(_ explicit: Logger.Metadata?) -> [(key: String, value: Logger.Metadata.Value)] {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let explicit { merged.merge(explicit) { _, new in new } }
        return merged.sorted { $0.key < $1.key }
    }
}
