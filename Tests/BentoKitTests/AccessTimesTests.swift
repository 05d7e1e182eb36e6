import BentoKit
import Testing

/// `AccessTimes.updates`: the kernel's relatime rule (update when the access time is not after the modification
/// or change time, or a day old), strictatime's "always" and noatime's "never"; never to the same time.
@Suite struct AccessTimesTests {
    let day = AccessTimes.relatimeInterval

    func at(_ seconds: Int64) -> Timestamp { Timestamp(seconds: seconds) }

    @Test func relatimeUpdatesOnlyAnAccessTimeNotAfterTheLastChangeOrADayOld() {
        let now = at(10 * day)
        #expect(AccessTimes.relatime.updates(access: at(100), modification: at(200), change: at(50), now: now))
        #expect(AccessTimes.relatime.updates(access: at(100), modification: at(50), change: at(100), now: now), "equal counts")
        #expect(!AccessTimes.relatime.updates(access: at(10 * day - 10), modification: at(50), change: at(60), now: now))
        #expect(AccessTimes.relatime.updates(access: at(9 * day), modification: at(50), change: at(60), now: now), "a day old")
        #expect(!AccessTimes.relatime.updates(access: at(9 * day + 1), modification: at(50), change: at(60), now: now))
    }

    @Test func strictatimeAlwaysNoatimeNeverAndNeverToTheSameTime() {
        let now = at(1_000)
        #expect(AccessTimes.strictatime.updates(access: at(999), modification: at(0), change: at(0), now: now))
        #expect(!AccessTimes.noatime.updates(access: at(0), modification: at(500), change: at(500), now: now))
        #expect(!AccessTimes.strictatime.updates(access: now, modification: now, change: now, now: now))
        #expect(!AccessTimes.relatime.updates(access: now, modification: now, change: now, now: now))
    }

    @Test func timesAtTheLimitsDoNotTrap() {
        let earliest = Timestamp(seconds: .min), latest = Timestamp(seconds: .max, nanoseconds: 999_999_999)
        #expect(AccessTimes.relatime.updates(access: earliest, modification: earliest, change: earliest, now: latest))
        #expect(!AccessTimes.relatime.updates(access: latest, modification: earliest, change: earliest, now: earliest))
    }
}
