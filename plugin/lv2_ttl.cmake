# Post-processes the dsp.ttl that JUCE's juce_lv2_helper writes for the LV2 bundle:
#  - every parameter (a patch property) gets lv2:symbol = its parameter ID, so hosts
#    that derive control symbols from it (jalv: `jalv -c mix=50`) use "mix", "s1_gain"
#    rather than "plugin_mix" taken from the URI;
#  - defaults that are rounding noise of a skewed range (8.9e-07 dB) are written as 0;
#  - audio ports are named after their bus and channel ("Source 1 L", "Output R")
#    instead of "Audio Out 7" (port symbols stay: sessions connect by symbol);
#  - the bypass port ("enabled") is no longer hidden from hosts (pprop:notOnGUI), so
#    `jalv -c enabled=1` and generic host UIs can reach it.
# Usage: cmake -DTTL=<path to dsp.ttl> -P lv2_ttl.cmake
if(NOT EXISTS "${TTL}")
  message(FATAL_ERROR "lv2_ttl.cmake: ${TTL} does not exist")
endif()
file(READ "${TTL}" ttl)
# CMake lists split on ';', which Turtle uses everywhere: work on ';' written as '@SC@'.
string(REPLACE ";" "@SC@" ttl "${ttl}")

string(REGEX REPLACE "\nplug:([A-Za-z0-9_]+)\n\ta lv2:Parameter @SC@\n"
       "\nplug:\\1\n\ta lv2:Parameter @SC@\n\tlv2:symbol \"\\1\" @SC@\n" ttl "${ttl}")
string(REGEX REPLACE "lv2:default -?[0-9.]+e-0[5-9] @SC@" "lv2:default 0 @SC@" ttl "${ttl}")

# Bus (port group) names.
string(REGEX MATCHALL "plug:(in|out)put_group_[0-9]+\n\ta pg:(In|Out)putGroup @SC@\n\tlv2:name \"[^\"]*\"" groups "${ttl}")
foreach(group IN LISTS groups)
  string(REGEX REPLACE "^plug:((in|out)put_group_[0-9]+)\n.*$" "\\1" id "${group}")
  string(REGEX REPLACE "^.*lv2:name \"([^\"]*)\"$" "\\1" name "${group}")
  set("bus_${id}" "${name}")
endforeach()

string(REGEX MATCHALL
  "lv2:name \"Audio (In|Out) [0-9]+\" @SC@\n\t\tpg:group plug:(in|out)put_group_[0-9]+ @SC@\n(\t\tlv2:portProperty lv2:connectionOptional @SC@\n)?(\t\tlv2:designation <[^>]*> @SC@\n)?"
  ports "${ttl}")
foreach(port IN LISTS ports)
  string(REGEX REPLACE "^.*pg:group plug:((in|out)put_group_[0-9]+) @SC@.*$" "\\1" id "${port}")
  if(NOT DEFINED "bus_${id}")
    message(FATAL_ERROR "lv2_ttl.cmake: no name for port group ${id}")
  endif()
  set(channel "")
  if(port MATCHES "port-groups#left>")
    set(channel " L")
  elseif(port MATCHES "port-groups#right>")
    set(channel " R")
  endif()
  string(REGEX REPLACE "^lv2:name \"Audio (In|Out) [0-9]+\"" "lv2:name \"${bus_${id}}${channel}\"" renamed "${port}")
  string(REPLACE "${port}" "${renamed}" ttl "${ttl}")
endforeach()

string(REGEX REPLACE "(lv2:symbol \"enabled\" @SC@[^]]*lv2:connectionOptional) , pprop:notOnGUI" "\\1" ttl "${ttl}")

if(ttl MATCHES "Audio (In|Out) [0-9]")
  message(FATAL_ERROR "lv2_ttl.cmake: an audio port kept its generic name")
endif()
string(REPLACE "@SC@" ";" ttl "${ttl}")
file(WRITE "${TTL}" "${ttl}")
