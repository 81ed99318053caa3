# Test support moved into @media/testing (packages/testing/src). For files changed on other branches
# meanwhile, apply at merge:  sed -E -i -f packages/testing/MOVED-PATHS.sed FILE...   then delete this file.
# Each line maps an import of the old place (any relative depth) to the module of the package.
s,(["'])(\.\.?/)+(packages/)?(local/)?(test/)?helpers/api-client\1,\1@media/testing/api-client\1,g
s,(["'])(\.\.?/)+(packages/)?(local/)?(test/)?helpers/local-process\1,\1@media/testing/runtime-process\1,g
s,(["'])(\.\.?/)+(packages/)?(local/)?(test/)?helpers/media-fixtures\1,\1@media/testing/minimal-media\1,g
s,(["'])(\.\.?/)+(packages/)?(functions/)?(test/)?helpers/captured-stdio\1,\1@media/testing/captured-stdio\1,g
s,(["'])(\.\.?/)+(packages/)?(functions/)?(test/)?helpers/clock\1,\1@media/testing/test-clock\1,g
s,(["'])(\.\.?/)+(packages/)?(functions/)?(test/)?helpers/dynalite\1,\1@media/testing/local-dynamo\1,g
s,(["'])(\.\.?/)+(packages/)?(functions/)?(test/)?helpers/events\1,\1@media/testing/lambda-events\1,g
s,(["'])(\.\.?/)+(packages/)?(functions/)?(test/)?helpers/hostile-media\1,\1@media/testing/hostile-media\1,g
s,(["'])(\.\.?/)+(packages/)?(functions/)?(test/)?helpers/local-aws\1,\1@media/testing/local-aws\1,g
s,(["'])(\.\.?/)+(packages/)?(functions/)?(test/)?helpers/media-records\1,\1@media/testing/media-records\1,g
s,(["'])(\.\.?/)+(packages/)?(functions/)?(test/)?helpers/media\1,\1@media/testing/media-samples\1,g
s,(["'])(\.\.?/)+(packages/)?(functions/)?(test/)?helpers/synth-audio\1,\1@media/testing/rendition-inputs\1,g
s,(["'])(\.\.?/)+(test/)?support/openapi-responses\1,\1@media/testing/openapi-responses\1,g
s,(["'])(\.\.?/)+(test/)?support/quiet-output\1,\1@media/testing/quiet-output\1,g
s,(["'])@media/local/cognito/test-support\1,\1@media/testing/local-cognito-pool\1,g
s,(["'])@media/local/storage/test-support\1,\1@media/testing/local-s3-storage\1,g
