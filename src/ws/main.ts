import 'reflect-metadata';
import { startService } from '../runtime/service-main';
import { startWsServer } from './ws.server';

void startService('ws', startWsServer);
