// The Function App's entry point (package.json "main"): every Function registers here, once.
import './http-api';
import './feature-api';
import './console-api';
import './console-files';
import './session-api';
import './batch-intake';
import './stage-transform';
import './stage-sign';
import './stage-submit';
import './stage-response';
import './retry-timer';
import './retention-timer';
import './webhook-delivery';
