import BentoKit
@testable import BentoHost
import Testing

/// A module built against another BentoKit is refused before any call, and the refusal names both interface
/// versions (or says the layouts differ under one version, as another compiler would make them).
@Suite struct ModuleFingerprintTests {
    @Test func aModuleOfAnotherInterfaceIsRefusedNamingBothVersions() throws {
        let ours = FileSystemModules.fingerprint
        try ModuleLoader.checkFingerprint(ours, of: "/lib/same.so")
        let version = "\(FileSystemModules.interfaceVersion.major).\(FileSystemModules.interfaceVersion.minor)"
        var newer = ours
        newer[2] += 1
        let refusal = try #require(failure { () throws(HostError) in try ModuleLoader.checkFingerprint(newer, of: "/lib/newer.so") })
        #expect(refusal.contains("/lib/newer.so was built against BentoKit interface \(newer[1]).\(newer[2]), "
            + "this bento has \(version)"))
        var relaid = ours
        relaid[3] += 8
        let layouts = try #require(failure { () throws(HostError) in try ModuleLoader.checkFingerprint(relaid, of: "/lib/relaid.so") })
        #expect(layouts.contains("interface \(version), this bento has \(version) with other value layouts"))
        let old = try #require(failure { () throws(HostError) in try ModuleLoader.checkFingerprint([1, 16, 24], of: "/lib/old.so") })
        #expect(old.contains("built against BentoKit interface an earlier one (before interface versions)"))
    }

    private func failure(_ body: () throws(HostError) -> Void) -> String? {
        do { try body() } catch { return error.description }
        return nil
    }
}
