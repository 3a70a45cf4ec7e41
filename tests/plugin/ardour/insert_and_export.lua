-- Inserts Demix (FORMAT = VST3 or LV2, a fresh instance: the default sources) first on
-- the track "in", prints what Ardour made of it and exports the session (the master bus)
-- to EXPORT_DIR/NAME.wav. Environment: SESSION_DIR, FORMAT, LV2_URI, EXPORT_DIR, NAME.
local backend = AudioEngine:set_backend("None (Dummy)", "", "")
backend:set_device_name("Silence")
local s = load_session(os.getenv("SESSION_DIR"), "demix")
assert(s, "cannot load the session")
local t = s:route_by_name("in"):to_track()
local lv2 = os.getenv("FORMAT") == "LV2"
local p = ARDOUR.LuaAPI.new_plugin(s, lv2 and os.getenv("LV2_URI") or "Demix",
                                   lv2 and ARDOUR.PluginType.LV2 or ARDOUR.PluginType.VST3, "")
assert(not p:isnil(), "Ardour does not find the Demix " .. os.getenv("FORMAT"))
assert(t:add_processor_by_index(p, 0, nil, true) == 0, "inserting Demix failed")
local insert = p:to_insert()
print("PLUGIN_OUTPUTS " .. insert:output_streams():n_audio())
print("TRACK_OUTPUTS " .. t:n_outputs():n_audio())
print("PLUGIN_LATENCY " .. insert:signal_latency())
local e = s:simple_export()
e:set_name(os.getenv("NAME"))
assert(e:set_preset("75969a1c-3133-4694-864b-a1fa50e43348"), "no 'WAV @ session-rate' export preset")
e:set_folder(os.getenv("EXPORT_DIR"))
assert(e:run_export(), "export failed")
close_session()
quit()
