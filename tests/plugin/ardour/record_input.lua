-- Creates a session at 48 kHz on Ardour's dummy backend and records a few seconds of its
-- pink-noise input on a stereo track "in": the test's input, kept by Ardour as a file.
-- Environment: SESSION_DIR, STRICT_IO ("1" or "0"), SECONDS_TO_RECORD.
local backend = AudioEngine:set_backend("None (Dummy)", "", "")
assert(backend, "no dummy backend")
backend:set_device_name("Pink Noise")
local s = create_session(os.getenv("SESSION_DIR"), "demix", 48000)
assert(s, "cannot create the session")
local tracks = s:new_audio_track(2, 2, nil, 1, "in", ARDOUR.PresentationInfo.max_order, ARDOUR.TrackMode.Normal, true)
local t = tracks:front()
t:set_strict_io(os.getenv("STRICT_IO") == "1")
for i = 0, 1 do
  assert(t:input():audio(i):connect("system:capture_" .. (i + 1)), "cannot connect the input")
end
t:rec_enable_control():set_value(1, PBD.GroupControlDisposition.NoGroup)
s:maybe_enable_record(false)
s:request_roll(ARDOUR.TransportRequestSource.TRS_UI)
ARDOUR.LuaAPI.usleep(math.floor(tonumber(os.getenv("SECONDS_TO_RECORD")) * 1000000))
s:request_stop(false, false, ARDOUR.TransportRequestSource.TRS_UI)
ARDOUR.LuaAPI.usleep(1000000)
t:rec_enable_control():set_value(0, PBD.GroupControlDisposition.NoGroup)
print("RECORDED_REGIONS " .. t:playlist():region_list():size())
s:save_state("", false, false, false, false, false)
close_session()
quit()
