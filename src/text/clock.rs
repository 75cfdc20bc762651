//! Times as people read them: in the system's time zone (`TZ`, else `/etc/localtime`, as
//! jiff finds it), with the zone's name so a reader in another zone is not misled. `TZ=UTC`
//! gives UTC.

use jiff::Timestamp;
use jiff::tz::TimeZone;

/// `2026-03-01 15:22 CET`: a date and time to the minute.
pub fn date_time(t: Timestamp) -> String {
    date_time_in(t, &TimeZone::system())
}

/// `15:22:05 CET`: a time of day to the second (a retry, a pause's end).
pub fn time_of_day(t: Timestamp) -> String {
    t.to_zoned_datetime(TimeZone::system())
        .strftime("%H:%M:%S %Z")
        .to_string()
}

/// `3 Dec`: the day, in the system's time zone (a thread's small actions).
pub fn day(t: Timestamp) -> String {
    day_in(t, &TimeZone::system())
}

/// [`day`] in the zone `tz`.
pub fn day_in(t: Timestamp, tz: &TimeZone) -> String {
    t.to_zoned_datetime(tz.clone())
        .strftime("%-d %b")
        .to_string()
}

/// [`date_time`] in the zone `tz`.
pub fn date_time_in(t: Timestamp, tz: &TimeZone) -> String {
    t.to_zoned_datetime(tz.clone())
        .strftime("%Y-%m-%d %H:%M %Z")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_shown_in_the_zone_with_its_name() {
        let t: Timestamp = "2026-03-01T14:22:00Z".parse().unwrap();
        assert_eq!(date_time_in(t, &TimeZone::UTC), "2026-03-01 14:22 UTC");
        let japan = TimeZone::posix("JST-9").unwrap();
        assert_eq!(date_time_in(t, &japan), "2026-03-01 23:22 JST");
        assert_eq!(day_in(t, &TimeZone::UTC), "1 Mar");
    }
}
