# CDash submission: `ctest -D Experimental` once GAUNTLET_CDASH_URL names a drop site,
# e.g. https://my.cdash.org/submit.php?project=gauntlet
set(CTEST_PROJECT_NAME "gauntlet")
set(CTEST_NIGHTLY_START_TIME "01:00:00 UTC")
if(DEFINED ENV{GAUNTLET_CDASH_URL})
  set(CTEST_SUBMIT_URL "$ENV{GAUNTLET_CDASH_URL}")
else()
  set(CTEST_SUBMIT_URL "")
endif()
set(CTEST_DROP_SITE_CDASH TRUE)
